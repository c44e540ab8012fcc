import ALIP
import ArgumentParser
import Foundation

/// `alip parity FIXTURE.h5`: one ALIP step of the framework's components against an open_clip /
/// authors'-code reference export; prints a table and exits 0 only if every row passes.
struct ParityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parity",
        abstract: "Compare one training step with an open_clip reference export (forward, gates, losses, gradients, AdamW).")

    @Argument(help: "A fixture in the layout of ../shared/fixtures/tiny-a.h5.")
    var fixture: String

    func run() throws {
        try reportingErrors {
            let rows = try ParityCheck.run(fixture: URL(fileURLWithPath: fixture))
            print(ParityCheck.format(rows, fixture: fixture))
            if rows.isEmpty || rows.contains(where: { !$0.passed }) { throw ExitCode.failure }
        }
    }
}
