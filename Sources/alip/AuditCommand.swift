import ALIP
import ArgumentParser
import Foundation
import Recipes

/// `alip audit CHECKPOINT --data MANIFEST [--out FILE] [--score …] [--keep-fraction F | --min-weight W]
/// [--filtered-out FILE] [--truth-column NAME]`: scores every pair of a manifest with a trained model
/// (similarities and the gate weights they imply), writes the scored manifest and, with a filter, a
/// manifest of the kept rows ready to train on (Docs/audit.md).
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Score every pair of a manifest with a trained model; write the scored (and a filtered) manifest.")

    @Argument(help: "A checkpoint written by `alip train`.")
    var checkpoint: String

    @Option(help: "The manifest to audit (the format of the checkpoint's training set: image, raw text, caption).")
    var data: String

    @Option(help: "The scored manifest to write (default: <manifest>.audit.tsv next to it).")
    var out: String?

    @Option(help: "The weight or similarity used as audit_score: \(AuditScore.allCases.map(\.rawValue).joined(separator: ", ")).")
    var score: String = AuditScore.sample.rawValue

    @Option(name: .customLong("keep-fraction"), help: "Write a filtered manifest of this fraction of the rows, best audit_score first.")
    var keepFraction: Double?

    @Option(name: .customLong("min-weight"), help: "Write a filtered manifest of the rows with audit_score at least this.")
    var minWeight: Double?

    @Option(name: .customLong("filtered-out"), help: "The filtered manifest (default: <scored>.filtered.tsv).")
    var filteredOut: String?

    @Option(name: .customLong("truth-column"), help: "A 0/1 column marking the truly corrupted rows: print precision/recall and ROC-AUC.")
    var truthColumn: String?

    @Option(name: .customLong("set"), help: "Override a key of the stored recipe (repeatable).")
    var overrides: [String] = []

    func run() throws {
        try reportingErrors {
            guard let kind = AuditScore(rawValue: score) else {
                throw AuditError("--score '\(score)' is unknown; choose one of \(AuditScore.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let options = AuditOptions(output: out.map { URL(fileURLWithPath: $0) }, filteredOutput: filteredOut.map { URL(fileURLWithPath: $0) },
                                       score: kind, keepFraction: keepFraction, minWeight: minWeight, truthColumn: truthColumn)
            try options.check()
            let url = URL(fileURLWithPath: checkpoint)
            let audit = try NoiseAudit.load(checkpoint: url, manifest: URL(fileURLWithPath: data), registry: registry) { ckpt in
                let (recipe, base) = try RecipeRun.recipe(of: ckpt, at: url, overrides: overrides, registry: registry)
                return (recipe.root, base)
            }
            print(try audit.run(options).report)
        }
    }
}
