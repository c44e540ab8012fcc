import Foundation
import Testing
@testable import Data

@Suite struct TokenizerTests {
    @Test func normalizesAndPretokenizesLikeCLIP() {
        #expect(CLIPText.normalize("  A  Red\tSeven\n&amp; Blue ") == "a red seven & blue")
        #expect(CLIPText.pretokenize("it's 42 red-ish!! ok") == ["it", "'s", "4", "2", "red", "-", "ish", "!!", "ok"])
        #expect(CLIPText.pretokenize("<|endoftext|>é7") == ["<|endoftext|>", "é", "7"])
        // CLIP's byte table: printable bytes keep their character, the rest map from U+0100 on.
        #expect(CLIPText.byteToUnicode[Int(UInt8(ascii: "a"))] == "a")
        #expect(CLIPText.byteToUnicode[32] == "Ġ")
        #expect(CLIPText.byteID[Int(UInt8(ascii: "!"))] == 0)
    }

    /// A reference trainer that recounts every pair before each merge.
    func naiveMerges(_ texts: [String], vocabSize: Int, minFrequency: Int = 2) -> [BPETokenizer.Merge] {
        var counts: [String: Int] = [:]
        for t in texts { for w in CLIPText.pretokenize(CLIPText.normalize(t)) { counts[w, default: 0] += 1 } }
        var words = counts.map { (BPETokenizer.baseSymbols($0.key), $0.value) }
        var merges: [BPETokenizer.Merge] = []
        while merges.count < vocabSize - 514 {
            var pc: [UInt64: Int] = [:]
            for (w, f) in words where w.count > 1 { for i in 0..<(w.count - 1) { pc[BPETokenizer.key(w[i], w[i + 1]), default: 0] += f } }
            guard let best = pc.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }), best.value >= minFrequency else { break }
            let a = Int32(best.key >> 32), b = Int32(best.key & 0xFFFF_FFFF), id = Int32(512 + merges.count)
            merges.append(.init(left: a, right: b, result: id))
            words = words.map { (w, f) in
                var o: [Int32] = [], i = 0
                while i < w.count { if i + 1 < w.count, w[i] == a, w[i + 1] == b { o.append(id); i += 2 } else { o.append(w[i]); i += 1 } }
                return (o, f)
            }
        }
        return merges
    }

    static let corpus: [String] = {
        var r = [String]()
        let colors = ["red", "green", "blue", "yellow", "orange"], digits = ["seven", "three", "eight", "one"]
        for i in 0..<300 { r.append("a \(colors[i % 5]) \(digits[i % 4]) on the \(i % 3 == 0 ? "left" : "right") \(i % 7)") }
        r.append("aaaa abab banana")   // overlapping pairs
        return r
    }()

    @Test func incrementalTrainerMatchesNaiveRecount() {
        let fast = BPETrainer.train(texts: Self.corpus, vocabSize: 600)
        let slow = naiveMerges(Self.corpus, vocabSize: 600)
        #expect(fast.count > 20)
        #expect(fast == slow)
    }

    @Test func trainedTokenizerEncodesInOpenCLIPLayout() throws {
        let spec = BPETokenizerSpec(vocabSize: 700, contextLength: 8)
        let tok = try spec.makeTokenizer { Self.corpus }
        #expect(tok == (try spec.makeTokenizer { Self.corpus }))                 // deterministic
        #expect(tok.sot == 698 && tok.eot == 699)
        let row = tok.encode("A  RED seven")
        #expect(row.count == 8 && row[0] == 698)
        #expect(tok.tokenize("seven").count == 1)                                 // a frequent word is one token
        let n = tok.tokenize("a red seven").count
        #expect(row[n + 1] == 699 && row[(n + 2)...].allSatisfy { $0 == 0 })
        #expect(tok.decode(row) == "a red seven")
        #expect(row.max() == 699)                                                 // argmax finds EOT
        let long = tok.encode(String(repeating: "zq ", count: 20))
        #expect(long.count == 8 && long[7] == 699 && long[0] == 698 && !long.contains(0))
        #expect(tok.decode(tok.encode("Blue, 42!")) == "blue , 4 2 !")
    }

    @Test func jsonRoundTripAndLoadErrors() throws {
        let tok = try BPETokenizerSpec(vocabSize: 600, contextLength: 12).makeTokenizer { Self.corpus }
        let back = try BPETokenizer(json: tok.jsonString())
        #expect(back == tok)
        #expect(back.encode("a green eight") == tok.encode("a green eight"))
        let dir = try makeTempDir()
        let url = dir.appendingPathComponent("tok.json")
        try tok.save(to: url)
        let spec = try BPETokenizerSpec(loading: url, contextLength: 20)
        #expect(spec.vocabSize == 600)
        #expect(try spec.makeTokenizer { Issue.record("must not train"); return [] }.contextLength == 20)
        let e = #expect(throws: DataError.self) { try BPETokenizerSpec(loading: url, contextLength: 20, expectedVocabSize: 512 + 300) }
        #expect(e?.reason == "the saved tokenizer has vocab_size 600 but the recipe sets 812; set vocab_size: 600 or remove it")
        let e2 = #expect(throws: DataError.self) { try BPETokenizer(json: "{\"format\": \"x\"}", source: "t.json") }
        #expect(e2?.file == "t.json")
    }

    @Test func trainsTenThousandTextsQuickly() throws {
        let texts = (0..<10_000).map { i in Self.corpus[i % Self.corpus.count] + " \(i)" }
        let start = Date()
        let merges = BPETrainer.train(texts: texts, vocabSize: 2048)
        let secs = Date().timeIntervalSince(start)
        #expect(merges.count > 30)
        #expect(secs < 5, "debug-build bound; release is far faster")
    }

    @Test func clipMergesFileTokenizesAsCLIP() throws {
        let dir = try makeTempDir()
        let url = dir.appendingPathComponent("merges.txt")
        try write("#version: 0.2\nh e\nl l\nhe ll\nhell o</w>\nw o\nr l\nwo rl\n", to: url)
        let spec = try CLIPBPETokenizerSpec(url: url, contextLength: 8)
        let tok = spec.tokenizer
        #expect(tok.vocabSize == 521 && tok.sot == 519 && tok.eot == 520)
        // hello → hello</w> (515); world → worl (518) + d</w> (256 + 67); ! → !</w> (256).
        #expect(tok.encode("Hello  World!") == [519, 515, 518, 323, 256, 520, 0, 0])
        #expect(tok.decode(tok.encode("Hello  World!")) == "hello world !")   // as CLIP decodes: each </w> becomes a space
        // The same file gzipped loads the same.
        let gz = dir.appendingPathComponent("merges.txt.gz")
        let plain = [UInt8](try Foundation.Data(contentsOf: url))
        try Gzip.write(plain, to: gz)
        #expect(try CLIPBPETokenizerSpec(url: gz, contextLength: 8).tokenizer == tok)
        let gzBytes = [UInt8](try Foundation.Data(contentsOf: gz))
        try write(bytes: Array(gzBytes.prefix(gzBytes.count - 12)), to: gz)
        let et = #expect(throws: DataError.self) { try Gzip.readAll(gz) }
        #expect(et?.reason == "truncated gzip data (unexpected end of file); replace the file with a good copy")
        try write("#version: 0.2\nh e x\n", to: url)
        let e = #expect(throws: DataError.self) { try CLIPBPETokenizerSpec(url: url) }
        #expect(e?.line == 2)
        try write("#version: 0.2\nzz q\n", to: url)
        let e2 = #expect(throws: DataError.self) { try CLIPBPETokenizerSpec(url: url) }
        #expect(e2?.reason == "merge 'zz q' uses a token that neither the byte alphabet nor any merge line defines")
    }
}
