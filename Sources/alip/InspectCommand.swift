import ArgumentParser
import Checkpoint
import Foundation

/// `alip inspect CHECKPOINT`: what is inside a checkpoint (format, step, parameters, optimizer slots,
/// state, recipe) or an open_clip export (config and parameters).
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what is inside a checkpoint or an open_clip export (.h5)."
    )

    /// The file to describe.
    @Argument(help: "An alip checkpoint or an open_clip export (.h5).")
    var checkpoint: String

    /// How much of the stored recipe to print.
    @Option(name: .customLong("recipe-lines"), help: "How many lines of the stored recipe to show.")
    var recipeLines: Int = 10

    /// Prints the report, or the reader's error on stderr and exits with status 1.
    func run() throws {
        do {
            print(try Inspection.report(for: URL(fileURLWithPath: checkpoint), recipeLines: max(0, recipeLines)))
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
