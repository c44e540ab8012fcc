import ALIP
import ArgumentParser

/// The `alip` command line: train, sweep, evaluate, validate and inspect recipes and checkpoints.
@main
struct ALIPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alip",
        abstract: "ALIP and CLIP language-image pre-training from YAML recipes.",
        subcommands: [
            // One line per subcommand; each lives in a file named after it.
            TrainCommand.self,
            SweepCommand.self,
            EvalCommand.self,
            AuditCommand.self,
            ValidateCommand.self,
            ComponentsCommand.self,
            InspectCommand.self,
            ParityCommand.self,
            DemoCommand.self,
            DataCommand.self,
            BenchCommand.self,
        ]
    )
}

/// Every registered component: the built-in tables and those of the modules under `Plugins/`.
let registry: Registry = pluginRegistries.reduce(Registry.builtin) { $0.merging($1) }
