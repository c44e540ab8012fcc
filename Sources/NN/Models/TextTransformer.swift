import Components
import Tensor

/// The text tower of CLIP as open_clip's `TextTransformer` (`pool_type='argmax'`): `token_embedding`,
/// `positional_embedding`, the transformer under a causal mask (not a parameter), `ln_final`, pooling at
/// the position of each row's largest token id (the EOT token), then `x @ text_projection`
/// (`[width, embed]`).
///
/// Registered as `text-transformer` (slot `.encoder`).
public final class TextTransformer: TextEncoder, Component {
    public static let typeName = "text-transformer"
    public static let summary = "Causal text transformer tower (open_clip TextTransformer, EOT = argmax-id pooling)"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("context_length", .int, default: nil, range: 1...65536, optional: true,
                      doc: "tokens per row; null = the tokenizer's context_length"),
        ParameterSpec("vocab_size", .int, default: nil, range: 1...16_777_216, optional: true,
                      doc: "token ids below this; null = the tokenizer's vocab_size"),
        ParameterSpec("width", .int, default: .int(512), range: 1...65536, doc: "transformer width (token features)"),
        ParameterSpec("layers", .int, default: .int(12), range: 0...1024, doc: "number of residual attention blocks"),
        ParameterSpec("heads", .int, default: .int(8), range: 1...1024, doc: "attention heads (must divide width)"),
        ParameterSpec("mlp_ratio", .float, default: .double(4), range: 0.01...64, doc: "MLP hidden width / width"),
        ParameterSpec("embed_dim", .int, default: nil, range: 1...65536, optional: true,
                      doc: "output embedding width; null = the dual encoder's embed_dim"),
        ParameterSpec("quick_gelu", .bool, default: nil, optional: true,
                      doc: "QuickGELU instead of exact GELU; null = the dual encoder's quick_gelu"),
    ]

    /// `token_embedding`, `[vocab, width]`.
    public let tokenEmbedding: Embedding
    /// `[context, width]`.
    public let positionalEmbedding: Tensor
    /// The blocks (run with the causal mask).
    public let transformer: Transformer
    /// Norm of the pooled token.
    public let lnFinal: LayerNorm
    /// `[width, embed]`, used as `x @ text_projection`.
    public let textProjection: Tensor
    public var isTraining = true

    /// Transformer width.
    public var width: Int { positionalEmbedding.shape[1] }
    public var contextLength: Int { positionalEmbedding.shape[0] }
    public var vocabSize: Int { tokenEmbedding.count }
    public var outputDim: Int { textProjection.shape[1] }

    /// A tower with open_clip's `TextTransformer.init_parameters`: `token_embedding` N(0, 0.02²),
    /// `positional_embedding` N(0, 0.01²); per block `in_proj_weight` N(0, width⁻¹),
    /// `out_proj.weight` and `c_proj.weight` N(0, proj_std²) with proj_std = width^-0.5 · (2·layers)^-0.5,
    /// `c_fc.weight` N(0, (2·width)⁻¹); `text_projection` N(0, width⁻¹). Biases keep PyTorch's defaults
    /// (attention biases 0, MLP biases U(±1/√fan_in)); layer norms 1/0.
    public init(contextLength: Int, vocabSize: Int, width: Int, layers: Int, heads: Int, mlpRatio: Double = 4,
                embedDim: Int, activation: Activation = .gelu, generator: inout RandomGenerator) {
        precondition(heads > 0 && width % heads == 0, "TextTransformer: width \(width) is not divisible by \(heads) heads")
        tokenEmbedding = Embedding(count: vocabSize, dim: width, std: 0.02, generator: &generator)
        positionalEmbedding = Initialization.normal([contextLength, width], std: 0.01, generator: &generator)
        transformer = Transformer(width: width, layers: layers, heads: heads, mlpRatio: mlpRatio,
                                  activation: activation, generator: &generator)
        lnFinal = LayerNorm(width)
        let w = Float(width)
        let attnStd = 1 / w.squareRoot()
        let projStd = attnStd / Float(2 * Swift.max(layers, 1)).squareRoot()
        let fcStd = 1 / (2 * w).squareRoot()
        for block in transformer.resblocks {
            Initialization.renormal(block.attn.inProjWeight, std: attnStd, generator: &generator)
            Initialization.renormal(block.attn.outProj.weight, std: projStd, generator: &generator)
            Initialization.renormal(block.mlp.cFc.weight, std: fcStd, generator: &generator)
            Initialization.renormal(block.mlp.cProj.weight, std: projStd, generator: &generator)
        }
        textProjection = Initialization.normal([width, embedDim], std: attnStd, generator: &generator)
    }

    /// Builds the tower from a recipe: `context_length` and `vocab_size` default to the tokenizer's facts,
    /// `embed_dim` to the dual encoder's; a missing fact or a width not divisible by `heads` is a
    /// `ComponentError` naming the key.
    public convenience init(config: ComponentConfig, context: BuildContext) throws {
        let ctx = try EncoderBuild.intOrFact(config, "context_length", fact: "context_length", context: context,
                                             setBy: "tokenizer")
        let vocab = try EncoderBuild.intOrFact(config, "vocab_size", fact: "vocab_size", context: context,
                                               setBy: "tokenizer")
        let embedDim = try EncoderBuild.intOrFact(config, "embed_dim", fact: "embed_dim", context: context,
                                                  setBy: "dual-encoder model")
        let width = config.int("width"), heads = config.int("heads")
        guard heads > 0, width % heads == 0 else {
            throw EncoderBuild.error(config, "heads", "width \(width) is not divisible by heads \(heads)")
        }
        var g = EncoderBuild.generator(seed: context.seed, path: config.path)
        self.init(contextLength: ctx, vocabSize: vocab, width: width, layers: config.int("layers"), heads: heads,
                  mlpRatio: config.double("mlp_ratio"), embedDim: embedDim,
                  activation: EncoderBuild.activation(config, context: context), generator: &g)
    }

    public func visit(_ v: ParameterVisitor) {
        v.child("token_embedding", tokenEmbedding)
        v.param("positional_embedding", positionalEmbedding)
        v.child("transformer", transformer)
        v.child("ln_final", lnFinal)
        v.param("text_projection", textProjection)
    }

    /// The pooling position of each row: the index of its largest token id (the first, on ties), which
    /// is the EOT token in open_clip's layout (`text.argmax(dim=-1)`).
    public static func poolingPositions(_ tokens: [[Int32]]) -> [Int] {
        tokens.map { row in
            var best = 0
            for (j, id) in row.enumerated() where id > row[best] { best = j }
            return best
        }
    }

    /// Whether `encode` runs each row only up to its EOT token, not to the padded length (default true):
    /// rows are grouped by EOT position (`lengthGroups`) and each group runs its first
    /// `max(EOT position) + 1` columns. Exact under the causal mask: a position never attends to later
    /// ones and rows never interact, so the tokens after a row's EOT cannot change its pooled output, and
    /// positional rows beyond get zero gradient either way.
    public var trimsPadding = true

    /// Up to how many groups of similar length a batch is split into when `trimsPadding` (default 4;
    /// 1 = one trim to the batch's longest row). Groups have about equal row counts, at least
    /// `minimumGroupRows` as a rule, so their GEMMs stay large; rows of uniformly spread lengths then run
    /// about 35% fewer token positions than one trim to the longest.
    public var lengthGroups = 4

    /// Rows per group `lengthGroups` aims at as the least: a batch of B rows makes at most
    /// `B / minimumGroupRows` groups (moving a cut past rows of one position can leave a group smaller).
    public static let minimumGroupRows = 16

    /// Whether the last block computes only the pooled (EOT) rows (`Transformer.pooled`; default true).
    /// Exact: no other row of the last block's output reaches the embedding.
    public var computesPooledRowsOnly = true

    /// The rows of each length group (`lengthGroups`), shortest group first, each sorted by pooling
    /// position, then batch index (a single group keeps the batch order): the sorted rows cut into at
    /// most `groups` runs of about equal size (at least `minimumGroupRows` rows each), each cut moved
    /// forward past rows of the same position, so rows of one position always run at the same length.
    public static func rowsByLength(_ positions: [Int], groups: Int) -> [[Int]] {
        let b = positions.count
        let k = min(max(groups, 1), max(1, b / minimumGroupRows))
        if k == 1 { return [Array(0..<b)] }
        let sorted = (0..<b).sorted { (positions[$0], $0) < (positions[$1], $1) }
        var cuts = [0]
        for g in 1..<k {
            var c = g * b / k
            while c < b && positions[sorted[c]] == positions[sorted[c - 1]] { c += 1 }
            if c < b && c > cuts.last! { cuts.append(c) }
        }
        cuts.append(b)
        return zip(cuts, cuts.dropFirst()).map { Array(sorted[$0..<$1]) }
    }

    /// Token rows `[B][T]` (one length T ≤ `contextLength`, ids in `0..<vocabSize`) → `[B, embed]`,
    /// not L2-normalised. Rows shorter than the context use the first T positions, as open_clip does.
    public func encode(_ tokens: [[Int32]]) -> Tensor {
        let b = tokens.count, full = tokens.first?.count ?? 0
        precondition(b > 0 && full > 0 && full <= contextLength && tokens.allSatisfy { $0.count == full },
                     "TextTransformer: token rows must be non-empty, of one length ≤ \(contextLength)")
        let positions = TextTransformer.poolingPositions(tokens)
        let groups = trimsPadding ? TextTransformer.rowsByLength(positions, groups: lengthGroups) : [Array(0..<b)]
        let pooled: Tensor
        if groups.count == 1 {
            pooled = pooledTokens(tokens, rows: groups[0], positions: positions, length: trimsPadding ? nil : full)
        } else {
            // Groups run one after another; their pooled rows go back to the batch's order.
            let grouped = Tensor.concat(groups.map { pooledTokens(tokens, rows: $0, positions: positions, length: nil) },
                                        axis: 0)
            var order = [Int](repeating: 0, count: b)
            for (k, row) in groups.joined().enumerated() { order[row] = k }
            pooled = Tensor.gatherRows(grouped, order)
        }
        // ln_final is per token, so normalising only the pooled rows equals open_clip's order.
        return Tensor.matmul(lnFinal(pooled), textProjection)
    }

    /// The transformer's output at the pooling position of each of `rows` (`[rows.count, width]`),
    /// running the first `length` columns (nil: up to the longest of these rows' EOT positions).
    func pooledTokens(_ tokens: [[Int32]], rows: [Int], positions: [Int], length: Int?) -> Tensor {
        let n = rows.count, w = width
        let at = rows.map { positions[$0] }
        let t = length ?? (at.max()! + 1)
        var ids = [Int]()
        ids.reserveCapacity(n * t)
        for r in rows { for j in 0..<t { ids.append(Int(tokens[r][j])) } }
        var x = tokenEmbedding(ids).reshaped([n, t, w])
        x = x + (t == contextLength ? positionalEmbedding : positionalEmbedding.slice(axis: 0, 0..<t))
        if computesPooledRowsOnly { return transformer.pooled(x, at: at, causal: true) }
        return Transformer.rows(transformer(x, causal: true), at: at)
    }

    /// `encode(tokens)`.
    public func callAsFunction(_ tokens: [[Int32]]) -> Tensor { encode(tokens) }
}
