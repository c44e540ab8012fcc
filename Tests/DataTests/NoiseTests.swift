import Testing
@testable import Data

@Suite struct NoiseTests {
    let texts = (0..<100).map { "text \($0)" }

    @Test func swapCorruptsExactlyTheRateAndKeepsTheTexts() {
        let (out, flags) = SwapRawText(rate: 0.3).corrupt(texts, seed: 5)
        #expect(flags.filter { $0 }.count == 30)
        #expect(out.sorted() == texts.sorted())                   // texts only move between samples
        for i in 0..<100 { #expect((out[i] != texts[i]) == flags[i]) }
        let again = SwapRawText(rate: 0.3).corrupt(texts, seed: 5)
        #expect(again.texts == out && again.corrupted == flags)
        #expect(SwapRawText(rate: 0.3).corrupt(texts, seed: 6).corrupted != flags)
        #expect(SwapRawText(rate: 0).corrupt(texts, seed: 5).corrupted.allSatisfy { !$0 })
    }

    @Test func swapFlagsOnlyChangedTexts() {
        let dup = ["same", "same", "same", "other"]
        let (out, flags) = SwapRawText(rate: 1).corrupt(dup, seed: 1)
        for i in 0..<4 { #expect(flags[i] == (out[i] != dup[i])) }
    }

    @Test func junkReplacesWithWebJunk() {
        let (out, flags) = JunkRawText(rate: 0.5).corrupt(texts, seed: 2)
        #expect(flags.filter { $0 }.count == 50)
        for i in 0..<100 where flags[i] {
            let t = out[i]
            #expect(!t.hasPrefix("text "))
            let isFile = t.hasSuffix(".jpg") || t.hasSuffix(".JPG") || t.hasSuffix(".png")
            #expect(isFile || JunkRawText.phrases.contains(t))
        }
        #expect(JunkRawText(rate: 0.5).corrupt(texts, seed: 2).texts == out)
    }
}
