import ALIP
import ArgumentParser
import Tensor

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

    /// Picks OpenBLAS's fast kernels on CPUs its build does not know (by re-executing with
    /// `OPENBLAS_CORETYPE` set; never overriding a value the environment sets), then runs the command.
    static func main() {
        Engine.reexecWithTunedBLASIfNeeded()
        main(nil)
    }
}

/// Every registered component: the built-in tables and those of the modules under `Plugins/`.
let registry: Registry = pluginRegistries.reduce(Registry.builtin) { $0.merging($1) }
