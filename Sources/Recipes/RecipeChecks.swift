import Foundation
import Components

/// Cross-component checks that run after validation. The lead adds model-level ones (embedding widths
/// agree, image size divisible by the patch, context length fits the tokenizer, …) to `standard`.
public enum RecipeChecks {
    /// The checks `alip` runs on every recipe.
    public static let standard: [RecipeCheck] = [pathsExist]

    /// Every path-like parameter (`path`, `*_path`) of a dataset or evaluator names an existing file,
    /// resolved against the recipe's folder.
    public static let pathsExist: RecipeCheck = { recipe in
        var out: [Diagnostic] = []
        for site in recipe.components where site.slot == .dataset || site.slot == .evaluator {
            guard case .map(let m) = site.config else { continue }
            for key in m.keys.sorted() where RecipeMerge.isPathKey(key) {
                guard case .string(let p)? = m[key], !p.isEmpty else { continue }
                let url = p.hasPrefix("/") ? URL(fileURLWithPath: p) : recipe.baseDirectory.appendingPathComponent(p)
                if !FileManager.default.fileExists(atPath: url.path) {
                    out.append(Diagnostic(path: "\(site.path).\(key)", "file '\(p)' for \(site.slot.rawValue) '\(site.typeName)' does not exist",
                                          notes: [.init("looked for \(url.standardizedFileURL.path); paths are relative to the recipe that names them")]))
                }
            }
        }
        return out
    }
}
