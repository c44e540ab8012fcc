import Components
import Data
import Foundation

/// Cross-component checks that run after validation, before any compute: files exist, the image
/// geometry fits the patch size, attention heads divide widths, embedding widths agree, the text
/// tower's context fits the tokenizer, and every evaluator's manifest has the columns it reads. Each
/// check reads the resolved tree (defaults filled in) and returns diagnostics with the dotted key path;
/// the loader adds file:line:column.
public enum RecipeChecks {
    /// The checks `alip` runs on every recipe.
    public static let standard: [RecipeCheck] = [pathsExist, imageGeometry, headsDivideWidths, embeddingWidths,
                                                 contextFitsTokenizer, evaluatorColumns]

    /// Every `file` parameter of a dataset or evaluator names an existing file, resolved against the
    /// recipe's folder.
    public static let pathsExist: RecipeCheck = { recipe in
        var out: [Diagnostic] = []
        for site in recipe.components where site.slot == .dataset || site.slot == .evaluator {
            guard case .map(let m) = site.config else { continue }
            for key in site.fileKeys {
                guard case .string(let p)? = m[key], !p.isEmpty else { continue }
                let url = resolve(p, in: recipe)
                if !FileManager.default.fileExists(atPath: url.path) {
                    out.append(Diagnostic(path: "\(site.path).\(key)", "file '\(p)' for \(site.slot.rawValue) '\(site.typeName)' does not exist",
                                          notes: [.init("looked for \(url.standardizedFileURL.path); paths are relative to the recipe that names them")]))
                }
            }
        }
        return out
    }

    /// The ViT's image side (its `image_size`, else the training set's) is divisible by its `patch_size`,
    /// and an `image_size` set on the encoder equals the training set's (the encoder only takes images
    /// of the size the dataset produces).
    public static let imageGeometry: RecipeCheck = { recipe in
        guard let vit = site(recipe, "model.image", type: "vit"), let patch = int(vit, "patch_size") else { return [] }
        let data = int(recipe.component(at: "data.train"), "image_size")
        var out: [Diagnostic] = []
        if let own = int(vit, "image_size"), let data, own != data {
            out.append(Diagnostic(path: "model.image.image_size",
                                  "image_size \(own) differs from data.train.image_size \(data); the encoder takes the images the dataset produces",
                                  notes: [.init("remove model.image.image_size (it defaults to the dataset's) or set both to the same size")]))
            return out
        }
        guard let size = int(vit, "image_size") ?? data, patch > 0, size % patch != 0 else { return out }
        let from = int(vit, "image_size") == nil ? "data.train.image_size" : "model.image.image_size"
        let divisors = (1...size).filter { size % $0 == 0 }
        let below = divisors.last { $0 < patch }, above = divisors.first { $0 > patch }
        let near = [below, above].compactMap { $0 }.map(String.init).joined(separator: " or ")
        out.append(Diagnostic(path: "model.image.patch_size",
                              "image size \(size) (\(from)) is not divisible by patch_size \(patch)",
                              notes: [.init("use a patch_size that divides \(size) (nearest: \(near)) or an image size that is a multiple of \(patch)")]))
        return out
    }

    /// The attention heads divide each tower's width (`heads`, or the ViT's `head_width` when `heads` is null).
    public static let headsDivideWidths: RecipeCheck = { recipe in
        var out: [Diagnostic] = []
        if let vit = site(recipe, "model.image", type: "vit"), let width = int(vit, "width") {
            if let heads = int(vit, "heads") {
                if heads > 0, width % heads != 0 {
                    out.append(Diagnostic(path: "model.image.heads", "width \(width) is not divisible by heads \(heads)",
                                          notes: [.init("each head gets width / heads features; choose heads that divide \(width)")]))
                }
            } else if let hw = int(vit, "head_width"), hw > 0, width % hw != 0 {
                out.append(Diagnostic(path: "model.image.head_width", "width \(width) is not divisible by head_width \(hw)",
                                      notes: [.init("set heads, or a head_width that divides \(width)")]))
            }
        }
        if let text = site(recipe, "model.text", type: "text-transformer"), let width = int(text, "width"),
           let heads = int(text, "heads"), heads > 0, width % heads != 0 {
            out.append(Diagnostic(path: "model.text.heads", "width \(width) is not divisible by heads \(heads)",
                                  notes: [.init("each head gets width / heads features; choose heads that divide \(width)")]))
        }
        return out
    }

    /// An `embed_dim` set on a tower equals the model's `embed_dim` (both towers project into one space).
    public static let embeddingWidths: RecipeCheck = { recipe in
        guard let model = recipe.component(at: "model"), let joint = int(model, "embed_dim") else { return [] }
        var out: [Diagnostic] = []
        for tower in ["image", "text"] {
            guard let s = recipe.component(at: "model.\(tower)"), let own = int(s, "embed_dim"), own != joint else { continue }
            out.append(Diagnostic(path: "model.\(tower).embed_dim",
                                  "the \(tower) tower's embed_dim \(own) differs from model.embed_dim \(joint); both towers project into one embedding space",
                                  notes: [.init("remove model.\(tower).embed_dim (it defaults to model.embed_dim) or set it to \(joint)")]))
        }
        return out
    }

    /// The text tower's `context_length` and `vocab_size`, when set, fit the tokenizer's: every token row
    /// has `tokenizer.context_length` tokens and ids below its vocabulary size.
    public static let contextFitsTokenizer: RecipeCheck = { recipe in
        guard let text = site(recipe, "model.text", type: "text-transformer"), let tok = recipe.component(at: "tokenizer") else { return [] }
        var out: [Diagnostic] = []
        if let own = int(text, "context_length"), let rows = int(tok, "context_length"), own < rows {
            out.append(Diagnostic(path: "model.text.context_length",
                                  "context_length \(own) is shorter than tokenizer.context_length \(rows); every token row has \(rows) tokens",
                                  notes: [.init("remove model.text.context_length (it defaults to the tokenizer's) or set it to at least \(rows)")]))
        }
        if let own = int(text, "vocab_size"), let vocab = tokenizerVocabulary(tok), own < vocab {
            out.append(Diagnostic(path: "model.text.vocab_size",
                                  "vocab_size \(own) is smaller than the tokenizer's vocabulary of \(vocab) ids",
                                  notes: [.init("remove model.text.vocab_size (it defaults to the tokenizer's) or set it to at least \(vocab)")]))
        }
        return out
    }

    /// Every built-in evaluator's manifest has the columns it reads (only the header line is read):
    /// `image` and `raw_text` always (evaluation reads manifests in the default layout), `label` for
    /// `zero-shot` and `linear-probe`, the column of its `text_field` for `retrieval`. Missing files are
    /// `pathsExist`'s to report.
    public static let evaluatorColumns: RecipeCheck = { recipe in
        var out: [Diagnostic] = []
        for s in recipe.components where s.slot == .evaluator {
            guard case .map(let m) = s.config else { continue }
            var needs: [(column: String, why: String)] = []
            switch s.typeName {
            case "retrieval":
                guard case .string(let field)? = m["text_field"] else { continue }
                guard let column = evaluationColumns[field] else {
                    out.append(Diagnostic(path: "\(s.path).text_field",
                                          "text_field '\(field)' is not a field evaluation manifests provide",
                                          notes: [.init("use one of: \(evaluationColumns.keys.sorted().joined(separator: ", "))")]))
                    continue
                }
                needs.append((column, "its text_field '\(field)'"))
            case "zero-shot", "linear-probe":
                needs.append(("label", "0-based class indices"))
            default:
                continue
            }
            for key in s.fileKeys {
                guard case .string(let p)? = m[key], !p.isEmpty, let header = headerColumns(resolve(p, in: recipe)) else { continue }
                let required = [("image", "image paths"), ("raw_text", "the raw text every manifest has")] + needs
                let missing = required.filter { !header.contains($0.0) }
                guard !missing.isEmpty else { continue }
                out.append(Diagnostic(path: "\(s.path).\(key)",
                                      "manifest '\(p)' for evaluator '\(s.typeName)' has no column "
                                      + missing.map { "'\($0.0)'" }.joined(separator: ", ") + " (columns: \(header.joined(separator: ", ")))",
                                      notes: missing.map { .init("'\($0.0)': \($0.1)") }))
            }
        }
        return out
    }

    /// Text fields of evaluation manifests → their columns (the default `ManifestColumns` layout).
    static let evaluationColumns = ["raw": "raw_text", "caption": "caption"]

    // MARK: - Helpers

    static func resolve(_ path: String, in recipe: ResolvedRecipe) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : recipe.baseDirectory.appendingPathComponent(path)
    }

    /// The component at `path` when it has type `type`.
    static func site(_ recipe: ResolvedRecipe, _ path: String, type: String) -> ComponentSite? {
        guard let s = recipe.component(at: path), s.typeName == type else { return nil }
        return s
    }

    /// An int parameter of a component (nil when absent, null or not an int).
    static func int(_ site: ComponentSite?, _ key: String) -> Int? {
        guard case .map(let m)? = site?.config, case .int(let i)? = m[key] else { return nil }
        return i
    }

    /// A number parameter of a component (nil when absent, null or not a number).
    static func double(_ site: ComponentSite?, _ key: String) -> Double? {
        guard case .map(let m)? = site?.config else { return nil }
        return m[key]?.number
    }

    /// The ids a tokenizer section produces, when the recipe alone tells (`bpe` without a saved file).
    static func tokenizerVocabulary(_ tok: ComponentSite) -> Int? {
        guard tok.typeName == "bpe" else { return nil }
        if let v = int(tok, "vocab_size") { return v }
        guard case .map(let m) = tok.config, m["path"] == nil || m["path"] == .null else { return nil }
        return BPETokenizerSpec.defaultVocabSize
    }

    /// The column names of a manifest's header line (`.csv` comma, `.tsv` tab, else a tab decides), nil
    /// when the file cannot be read. Reads at most the first 64 KiB.
    static func headerColumns(_ url: URL) -> [String]? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }
        defer { try? handle.close() }
        guard let chunk = try? handle.read(upToCount: 65_536), !chunk.isEmpty else { return [] }
        var bytes = [UInt8](chunk)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let line = bytes.prefix { $0 != UInt8(ascii: "\n") }
        var text = String(decoding: line, as: UTF8.self)
        if text.hasSuffix("\r") { text.removeLast() }
        let ext = url.pathExtension.lowercased()
        let sep: Character = ext == "csv" ? "," : ext == "tsv" ? "\t" : (text.contains("\t") ? "\t" : ",")
        return text.split(separator: sep, omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
    }
}

/// The size of a recipe's model and an estimate of the memory one training step needs, computed from
/// the resolved tree alone (nothing is built, no data is read). `alip validate` prints it.
///
/// Parameters (open_clip's layout, as `DualEncoder.parameterCount` counts them), with width `d`,
/// MLP width `h = Int(d · mlp_ratio)` and `L` blocks per tower:
///
///     block = 4d² + 9d + 2dh + h                      (ln_1, in_proj, out_proj, ln_2, c_fc, c_proj)
///     vit   = 3P²d + d + (g² + 1)d + 4d + L·block + dE  (conv1, class token, positions, ln_pre/ln_post, proj; g = S / P)
///     text  = Vd + Cd + 2d + L·block + dE             (token and position tables, ln_final, text_projection)
///     total = vit + text + 1                          (logit_scale)
///
/// Memory per step, an estimate in float32 bytes: `4 · P · (2 + k)` for the weights, their gradients and
/// the optimizer's `k` moment buffers (AdamW 2, SGD with momentum 1), plus the activations one forward
/// keeps for the backward pass, per tower `4 · B_t · T · L · ((10 + 2h/d)·d + heads·T)` — every block saves
/// about ten width-sized tensors per token (norms, q/k/v, attention output, projections, residuals),
/// two MLP-sized ones, and the attention probabilities (heads × T per token). `B_t` is the batch for
/// the image tower and the batch times the text fields the objective encodes for the text tower; `T` is
/// `g² + 1` image tokens or the context length. Kernel workspace, the data pipeline and allocator
/// slack are not counted.
public struct ModelFootprint: Sendable, Equatable {
    /// One transformer tower's shape.
    public struct Tower: Sendable, Equatable {
        /// Token width `d`.
        public var width: Int
        /// Blocks `L`.
        public var layers: Int
        /// Attention heads.
        public var heads: Int
        /// MLP width `h = Int(d · mlp_ratio)`.
        public var mlpWidth: Int
        /// Tokens per sequence `T`.
        public var tokens: Int
        /// Sequences per step `B_t`.
        public var sequences: Int
        /// Its parameters.
        public var parameters: Int

        /// Float32 bytes of the activations one forward saves (see the type's formula).
        public var activationBytes: Int {
            4 * sequences * tokens * layers * (10 * width + 2 * mlpWidth + heads * tokens)
        }
    }

    /// The image tower (ViT).
    public var image: Tower
    /// The text tower.
    public var text: Tower
    /// Optimizer moment buffers per parameter.
    public var optimizerSlots: Int
    /// Pairs per step.
    public var batchSize: Int

    /// Every parameter, `logit_scale` included.
    public var parameters: Int { image.parameters + text.parameters + 1 }
    /// Float32 bytes of weights, gradients and optimizer moments.
    public var stateBytes: Int { 4 * parameters * (2 + optimizerSlots) }
    /// Float32 bytes of the saved activations of one step.
    public var activationBytes: Int { image.activationBytes + text.activationBytes }

    /// Parameters of one residual attention block of width `d` and MLP width `h`.
    public static func blockParameters(width d: Int, mlpWidth h: Int) -> Int { 4 * d * d + 9 * d + 2 * d * h + h }

    /// Parameters of a ViT tower.
    public static func vitParameters(imageSize: Int, patchSize: Int, width d: Int, layers: Int, mlpWidth h: Int, embedDim: Int) -> Int {
        let grid = imageSize / patchSize
        return 3 * patchSize * patchSize * d + d + (grid * grid + 1) * d + 4 * d + layers * blockParameters(width: d, mlpWidth: h) + d * embedDim
    }

    /// Parameters of a text tower.
    public static func textParameters(vocabSize: Int, contextLength: Int, width d: Int, layers: Int, mlpWidth h: Int, embedDim: Int) -> Int {
        vocabSize * d + contextLength * d + 2 * d + layers * blockParameters(width: d, mlpWidth: h) + d * embedDim
    }

    /// A footprint given directly.
    public init(image: Tower, text: Tower, optimizerSlots: Int, batchSize: Int) {
        self.image = image
        self.text = text
        self.optimizerSlots = optimizerSlots
        self.batchSize = batchSize
    }

    /// The footprint of `recipe`'s model, or why it cannot be told from the recipe alone (another
    /// model or encoder type, a tokenizer whose vocabulary lives in a file).
    public static func of(_ recipe: ResolvedRecipe) -> Result<ModelFootprint, FootprintUnavailable> {
        typealias R = RecipeChecks
        guard let model = recipe.component(at: "model"), model.typeName == "dual-encoder", let embed = R.int(model, "embed_dim") else {
            return .failure(.init("the model is not a dual-encoder"))
        }
        guard let vit = R.site(recipe, "model.image", type: "vit") else { return .failure(.init("the image tower is not a vit")) }
        guard let txt = R.site(recipe, "model.text", type: "text-transformer") else {
            return .failure(.init("the text tower is not a text-transformer"))
        }
        guard let tok = recipe.component(at: "tokenizer") else { return .failure(.init("the recipe has no tokenizer")) }
        guard let size = R.int(vit, "image_size") ?? R.int(recipe.component(at: "data.train"), "image_size"),
              let patch = R.int(vit, "patch_size"), patch > 0, size % patch == 0,
              let vw = R.int(vit, "width"), let vl = R.int(vit, "layers") else {
            return .failure(.init("the image geometry is incomplete"))
        }
        guard let vocab = R.int(txt, "vocab_size") ?? R.tokenizerVocabulary(tok) else {
            return .failure(.init("the tokenizer's vocabulary size is only known once its file is read; set model.text.vocab_size"))
        }
        guard let context = R.int(txt, "context_length") ?? R.int(tok, "context_length"),
              let tw = R.int(txt, "width"), let tl = R.int(txt, "layers"), let th = R.int(txt, "heads") else {
            return .failure(.init("the text tower is incomplete"))
        }
        let vh = R.int(vit, "heads") ?? (R.int(vit, "head_width").map { $0 > 0 ? vw / $0 : 1 } ?? 1)
        func mlp(_ s: ComponentSite, _ w: Int) -> Int { Int(Double(w) * (R.double(s, "mlp_ratio") ?? 4)) }
        let vm = mlp(vit, vw), tm = mlp(txt, tw)
        var batch = 1
        if case .int(let b)? = recipe.value(at: "train.batch_size") { batch = b }
        let grid = size / patch
        let image = Tower(width: vw, layers: vl, heads: vh, mlpWidth: vm, tokens: grid * grid + 1, sequences: batch,
                          parameters: vitParameters(imageSize: size, patchSize: patch, width: vw, layers: vl, mlpWidth: vm,
                                                    embedDim: R.int(vit, "embed_dim") ?? embed))
        let text = Tower(width: tw, layers: tl, heads: th, mlpWidth: tm, tokens: context, sequences: batch * textFields(recipe),
                         parameters: textParameters(vocabSize: vocab, contextLength: context, width: tw, layers: tl, mlpWidth: tm,
                                                    embedDim: R.int(txt, "embed_dim") ?? embed))
        var slots = 2
        if let opt = recipe.component(at: "optimizer"), opt.typeName == "sgd" { slots = (R.double(opt, "momentum") ?? 0) > 0 ? 1 : 0 }
        return .success(ModelFootprint(image: image, text: text, optimizerSlots: slots, batchSize: batch))
    }

    /// Text fields the objective encodes per sample: `clip` one; `alip` its paths plus raw text and
    /// caption when a gate is set; otherwise one.
    static func textFields(_ recipe: ResolvedRecipe) -> Int {
        guard let obj = recipe.component(at: "objective"), obj.typeName == "alip", case .map(let m) = obj.config else { return 1 }
        var fields: Set<String> = []
        if case .list(let paths)? = m["paths"] { for case .string(let p) in paths { fields.insert(p) } }
        let gated = ["objective.gates.sample", "objective.gates.pair"].contains { recipe.component(at: $0).map { $0.typeName != "none" } ?? false }
        if gated { fields.formUnion(["raw", "caption"]) }
        return max(1, fields.count)
    }

    /// Lines for `alip validate`: the parameter count by tower and the memory estimate.
    public var summaryLines: [String] {
        [
            "parameters: \(Self.grouped(parameters)) (image \(Self.grouped(image.parameters)), text \(Self.grouped(text.parameters)), logit_scale 1)",
            "memory per step: ≈ \(Self.mebibytes(stateBytes + activationBytes)) (estimate: weights + gradients + \(optimizerSlots) optimizer "
                + "moment\(optimizerSlots == 1 ? "" : "s") \(Self.mebibytes(stateBytes)), activations at batch \(batchSize) \(Self.mebibytes(activationBytes)))",
        ]
    }

    /// `1234567` → `1,234,567`.
    static func grouped(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (k, ch) in s.enumerated() {
            if k > 0 && (s.count - k) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return out
    }

    /// Bytes as MiB (or GiB above 1024 MiB) with one decimal.
    static func mebibytes(_ bytes: Int) -> String {
        let mib = Double(bytes) / 1_048_576
        return mib >= 1024 ? String(format: "%.1f GiB", mib / 1024) : String(format: "%.1f MiB", mib)
    }
}

/// Why a recipe's footprint cannot be computed from the recipe alone.
public struct FootprintUnavailable: Error, Sendable, Equatable {
    /// The reason.
    public let reason: String
    /// Creates the reason.
    public init(_ reason: String) { self.reason = reason }
}
