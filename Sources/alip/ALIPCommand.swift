import ArgumentParser

/// The `alip` command line: train, sweep, evaluate, validate and inspect recipes and checkpoints.
@main
struct ALIPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alip",
        abstract: "ALIP and CLIP language-image pre-training from YAML recipes.",
        subcommands: [
            // One line per subcommand; each lives in a file named after it.
            DataCommand.self,
        ]
    )
}
