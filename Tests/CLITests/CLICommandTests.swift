import Foundation
import Testing
import TestSupport

/// The `alip` executable's commands that do not train: help, components, validate, parity.
@Suite("alip commands")
struct CLICommandTests {
    @Test func helpListsTheSubcommands() throws {
        let r = try ALIPExecutable.run(["--help"])
        #expect(r.status == 0, "\(r.transcript)")
        for sub in ["train", "sweep", "eval", "audit", "validate", "components", "inspect", "parity", "demo", "data", "bench"] {
            #expect(r.stdout.contains(sub), "help lacks \(sub): \(r.stdout)")
        }
    }

    @Test func componentsJSONListsBuiltInAndPluginGates() throws {
        let r = try ALIPExecutable.run(["components", "--json"])
        #expect(r.status == 0, "\(r.transcript)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let gates = try #require(obj["gate"] as? [[String: Any]], "no gate slot in \(obj.keys.sorted())")
        let byName = Dictionary(uniqueKeysWithValues: gates.compactMap { g in (g["name"] as? String).map { ($0, g) } })
        #expect(byName["lcg"]?["origin"] as? String == "built-in")
        #expect(byName["threshold-lcg"]?["origin"] as? String == "ThresholdGate")
        let params = (byName["lcg"]?["parameters"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        #expect(params.contains("momentum"), "\(params)")
        #expect(obj["objective"] is [[String: Any]] && obj["optimizer"] is [[String: Any]])
    }

    @Test func validateAcceptsAGoodRecipe() throws {
        let r = try CLIWorkspace.alip(["validate", "tiny.yaml"])
        #expect(r.status == 0, "\(r.transcript)")
        #expect(r.stdout.contains("tiny.yaml: ok (cli-tiny)"), "\(r.stdout)")
        #expect(r.stdout.contains("'lcg'") && r.stdout.contains("'dcg'"), "\(r.stdout)")
    }

    @Test func validateRejectsABrokenRecipeWithItsPosition() throws {
        try CLIWorkspace.write("""
            extends: tiny.yaml
            objective:
              gates:
                sample:
                  momentm: 0.99

            """, to: "broken.yaml")
        let r = try CLIWorkspace.alip(["validate", "broken.yaml"])
        #expect(r.status == 1, "\(r.transcript)")
        #expect(r.stderr.contains("broken.yaml:5:7: error:"), "\(r.stderr)")
        #expect(r.stderr.contains("unknown key 'momentm'"), "\(r.stderr)")
        #expect(r.stderr.contains("did you mean 'momentum'?"), "\(r.stderr)")
        #expect(!r.stdout.contains(": ok"))
    }

    @Test func parityPassesOnTheReferenceFixture() throws {
        let fixture = FixturePaths.file("tiny-a.h5")
        try #require(FileManager.default.fileExists(atPath: fixture.path), "fixture \(fixture.path) is missing")
        let r = try ALIPExecutable.run(["parity", fixture.path])
        #expect(r.status == 0, "\(r.transcript)")
        #expect(r.stdout.contains("0 failed"), "\(r.stdout)")
    }

    @Test func dataCorruptWritesTheTrainingRunsNoiseAsAColumn() throws {
        let r = try CLIWorkspace.alip(["data", "corrupt", "--manifest", "data/train.tsv", "--out", "noisy/train.tsv",
                                       "--rate", "0.25", "--seed", "3"])
        #expect(r.status == 0, "\(r.transcript)")
        #expect(r.stdout.contains("16 of 64 raw texts corrupted"), "\(r.stdout)")
        let text = try String(contentsOf: try CLIWorkspace.path("noisy/train.tsv"), encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 65)
        let header = lines[0].split(separator: "\t", omittingEmptySubsequences: false)
        #expect(header.last == "corrupted")
        #expect(lines.dropFirst().filter { $0.hasSuffix("\t1") }.count == 16)
        #expect(lines[1].hasPrefix("../data/train/"), "image paths are rewritten relative to the new folder: \(lines[1])")
        // A manifest that already has the column is refused (no double corruption).
        let again = try CLIWorkspace.alip(["data", "corrupt", "--manifest", "noisy/train.tsv", "--out", "noisy/again.tsv"])
        #expect(again.status == 1 && again.stderr.contains("already has a 'corrupted' column"), "\(again.transcript)")
    }
}
