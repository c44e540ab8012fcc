import Foundation
import Testing
import ALIP
import NN
import Tensor
@testable import Recipes

/// The cross-component checks and the model footprint over the built-in registry.
@Suite struct CrossChecksTests {
    /// A valid recipe of real components; `model`, `data` and the manifests are varied per test.
    static func recipe(imageSize: Int = 32, image: String = "{type: vit, width: 64, layers: 2, heads: 4, patch_size: 8}",
                       text: String = "{type: text-transformer, width: 64, layers: 2, heads: 4}",
                       objective: String = "{type: alip, gates: {sample: {type: lcg}, pair: {type: dcg}}}",
                       tokenizer: String = "{type: bpe, vocab_size: 1024, context_length: 32}") -> String {
        """
        name: cross
        data:
          train: {type: manifest, path: train.tsv, image_size: \(imageSize)}
          eval:
            - {type: retrieval, path: test.tsv, text_field: caption}
            - {type: zero-shot, path: test.tsv}
        tokenizer: \(tokenizer)
        model:
          type: dual-encoder
          embed_dim: 64
          image: \(image)
          text: \(text)
        objective: \(objective)
        optimizer: {type: adamw}
        schedule: {type: one-cycle}
        train: {batch_size: 8, steps: 10}

        """
    }

    /// A folder holding `r.yaml` and the manifests `train.tsv`, `test.tsv` with the header `columns`.
    static func folder(_ text: String, columns: String = "image\traw_text\tcaption\tlabel") -> RecipeFolder {
        let f = RecipeFolder()
        f.write("r.yaml", text)
        f.write("train.tsv", columns + "\n")
        f.write("test.tsv", columns + "\n")
        return f
    }

    static func load(_ f: RecipeFolder) throws -> ResolvedRecipe {
        try RecipeLoader.load(f.url.appendingPathComponent("r.yaml"), registry: .builtin)
    }

    /// The rendered errors of loading `r.yaml` with the standard checks, nil when it loads.
    static func errors(_ f: RecipeFolder) -> String? {
        do { _ = try load(f); return nil } catch let e as RecipeErrors {
            let t = e.render(relativeTo: f.url)
            if let dump = ProcessInfo.processInfo.environment["DUMP"] { try? (t + "\n=====\n").appendToFile(dump) }
            return t
        } catch { return "unexpected: \(error)" }
    }

    @Test func aValidRecipePasses() {
        #expect(Self.errors(Self.folder(Self.recipe())) == nil)
    }

    @Test func everyMismatchAtOnce() {
        let f = Self.folder(Self.recipe(imageSize: 30, image: "{type: vit, width: 64, layers: 2, heads: 3, patch_size: 8, embed_dim: 32}",
                                        text: "{type: text-transformer, width: 64, heads: 5, context_length: 16, vocab_size: 1000}"),
                            columns: "image\traw_text")
        #expect(Self.errors(f) == """
        r.yaml:11:66: error: image size 30 (data.train.image_size) is not divisible by patch_size 8
          image: {type: vit, width: 64, layers: 2, heads: 3, patch_size: 8, embed_dim: 32}
                                                                         ^
        note: use a patch_size that divides 30 (nearest: 6 or 10) or an image size that is a multiple of 8
        r.yaml:11:51: error: width 64 is not divisible by heads 3
          image: {type: vit, width: 64, layers: 2, heads: 3, patch_size: 8, embed_dim: 32}
                                                          ^
        note: each head gets width / heads features; choose heads that divide 64
        r.yaml:12:52: error: width 64 is not divisible by heads 5
          text: {type: text-transformer, width: 64, heads: 5, context_length: 16, vocab_size: 1000}
                                                           ^
        note: each head gets width / heads features; choose heads that divide 64
        r.yaml:11:80: error: the image tower's embed_dim 32 differs from model.embed_dim 64; both towers project into one embedding space
          image: {type: vit, width: 64, layers: 2, heads: 3, patch_size: 8, embed_dim: 32}
                                                                                       ^
        note: remove model.image.embed_dim (it defaults to model.embed_dim) or set it to 64
        r.yaml:12:71: error: context_length 16 is shorter than tokenizer.context_length 32; every token row has 32 tokens
          text: {type: text-transformer, width: 64, heads: 5, context_length: 16, vocab_size: 1000}
                                                                              ^
        note: remove model.text.context_length (it defaults to the tokenizer's) or set it to at least 32
        r.yaml:12:87: error: vocab_size 1000 is smaller than the tokenizer's vocabulary of 1024 ids
          text: {type: text-transformer, width: 64, heads: 5, context_length: 16, vocab_size: 1000}
                                                                                              ^
        note: remove model.text.vocab_size (it defaults to the tokenizer's) or set it to at least 1024
        r.yaml:5:31: error: manifest 'test.tsv' for evaluator 'retrieval' has no column 'caption' (columns: image, raw_text)
            - {type: retrieval, path: test.tsv, text_field: caption}
                                      ^
        note: 'caption': its text_field 'caption'
        r.yaml:6:31: error: manifest 'test.tsv' for evaluator 'zero-shot' has no column 'label' (columns: image, raw_text)
            - {type: zero-shot, path: test.tsv}
                                      ^
        note: 'label': 0-based class indices
        """)
    }

    @Test func encoderImageSizeMustMatchTheDataset() {
        let f = Self.folder(Self.recipe(image: "{type: vit, width: 64, layers: 2, heads: 4, patch_size: 8, image_size: 64}"))
        #expect(Self.errors(f) == """
        r.yaml:11:81: error: image_size 64 differs from data.train.image_size 32; the encoder takes the images the dataset produces
          image: {type: vit, width: 64, layers: 2, heads: 4, patch_size: 8, image_size: 64}
                                                                                        ^
        note: remove model.image.image_size (it defaults to the dataset's) or set both to the same size
        """)
    }

    @Test func headWidthAndTextFieldAndMissingImageColumn() {
        let f = Self.folder(Self.recipe(image: "{type: vit, width: 64, layers: 2, head_width: 48, patch_size: 8}")
                                .replacingOccurrences(of: "text_field: caption", with: "text_field: title"),
                            columns: "img,raw_text,caption,label")
        #expect(Self.errors(f) == """
        r.yaml:11:56: error: width 64 is not divisible by head_width 48
          image: {type: vit, width: 64, layers: 2, head_width: 48, patch_size: 8}
                                                               ^
        note: set heads, or a head_width that divides 64
        r.yaml:5:53: error: text_field 'title' is not a field evaluation manifests provide
            - {type: retrieval, path: test.tsv, text_field: title}
                                                            ^
        note: use one of: caption, raw
        r.yaml:6:31: error: manifest 'test.tsv' for evaluator 'zero-shot' has no column 'image', 'raw_text', 'label' (columns: img,raw_text,caption,label)
            - {type: zero-shot, path: test.tsv}
                                      ^
        note: 'image': image paths
        note: 'raw_text': the raw text every manifest has
        note: 'label': 0-based class indices
        """)
    }

    @Test func headerColumnsReadOnlyTheFirstLine() throws {
        let f = RecipeFolder()
        f.write("a.csv", "\u{FEFF}image,\"raw_text\", caption\r\nx,y,z\n")
        #expect(RecipeChecks.headerColumns(f.url.appendingPathComponent("a.csv")) == ["image", "raw_text", "caption"])
        f.write("b.txt", "image\traw_text\n")
        #expect(RecipeChecks.headerColumns(f.url.appendingPathComponent("b.txt")) == ["image", "raw_text"])
        #expect(RecipeChecks.headerColumns(f.url.appendingPathComponent("missing.tsv")) == nil)
    }
}

/// `ModelFootprint` against the models it describes.
@Suite struct CrossChecksFootprintTests {
    @Test func parameterCountMatchesTheBuiltModel() throws {
        let f = CrossChecksTests.folder(CrossChecksTests.recipe(
            image: "{type: vit, width: 48, layers: 2, head_width: 16, patch_size: 8, mlp_ratio: 2.5}",
            text: "{type: text-transformer, width: 32, layers: 3, heads: 4}",
            tokenizer: "{type: bpe, vocab_size: 700, context_length: 20}").replacingOccurrences(of: "embed_dim: 64", with: "embed_dim: 24"))
        let r = try CrossChecksTests.load(f)
        let footprint = try ModelFootprint.of(r).get()
        var g = RandomGenerator(seed: 0)
        let visual = VisionTransformer(imageSize: 32, patchSize: 8, width: 48, layers: 2, heads: 3, mlpRatio: 2.5, embedDim: 24, generator: &g)
        let text = TextTransformer(contextLength: 20, vocabSize: 700, width: 32, layers: 3, heads: 4, embedDim: 24, generator: &g)
        let model = DualEncoder(visual: visual, text: text)
        #expect(footprint.parameters == model.parameterCount)
        #expect(footprint.image.parameters == visual.parameterCount)
        #expect(footprint.text.parameters == text.parameterCount)
        #expect(footprint.image.heads == 3 && footprint.image.mlpWidth == 120 && footprint.image.tokens == 17)

        // Activations: the image tower sees the batch, the text tower raw text and caption of each pair.
        #expect(footprint.image.sequences == 8 && footprint.text.sequences == 16 && footprint.text.tokens == 20)
        #expect(footprint.image.activationBytes == 4 * 8 * 17 * 2 * (10 * 48 + 2 * 120 + 3 * 17))
        #expect(footprint.stateBytes == 4 * model.parameterCount * 4)
        #expect(footprint.summaryLines[0] == "parameters: \(ModelFootprint.grouped(model.parameterCount)) "
                + "(image \(ModelFootprint.grouped(visual.parameterCount)), text \(ModelFootprint.grouped(text.parameterCount)), logit_scale 1)")
        #expect(footprint.summaryLines[1].hasPrefix("memory per step: ≈ "))
    }

    @Test func defaultsAndObjectives() throws {
        // The digit-scenes shape with the tokenizer's context and vocabulary; CLIP encodes one text per pair.
        let f = CrossChecksTests.folder(CrossChecksTests.recipe(objective: "{type: clip, path: raw, loss: {type: infonce}}"))
        let footprint = try ModelFootprint.of(try CrossChecksTests.load(f)).get()
        var g = RandomGenerator(seed: 0)
        let model = DualEncoder(visual: VisionTransformer(imageSize: 32, patchSize: 8, width: 64, layers: 2, heads: 4, embedDim: 64, generator: &g),
                                text: TextTransformer(contextLength: 32, vocabSize: 1024, width: 64, layers: 2, heads: 4, embedDim: 64, generator: &g))
        #expect(footprint.parameters == model.parameterCount)
        #expect(footprint.text.sequences == 8)
        #expect(ModelFootprint.grouped(1_234_567) == "1,234,567" && ModelFootprint.grouped(999) == "999")
        #expect(ModelFootprint.mebibytes(3 * 1_048_576 / 2) == "1.5 MiB")

        let saved = CrossChecksTests.folder(CrossChecksTests.recipe(tokenizer: "{type: bpe, path: tok.json}"))
        #expect(throws: FootprintUnavailable.self) { try ModelFootprint.of(try CrossChecksTests.load(saved)).get() }
    }
}
