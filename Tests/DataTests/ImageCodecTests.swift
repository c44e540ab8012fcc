import Foundation
import Testing
@testable import Data

@Suite struct ImageCodecTests {
    @Test func jpegRoundTripIsClose() throws {
        let img = gradientImage(width: 32, height: 24)
        let bytes = try ImageCodec.encodeJPEG(img, quality: 95)
        let back = try ImageCodec.decode(bytes, name: "t.jpg")
        #expect(back.width == 32 && back.height == 24 && back.channels == 3)
        let maxErr = zip(back.pixels, img.pixels).map { abs($0 - $1) }.max()!
        #expect(maxErr < 0.05)
    }

    @Test func dctScalingDecodesLargeImagesSmaller() throws {
        let bytes = try ImageCodec.encodeJPEG(gradientImage(width: 256, height: 128))
        let quarter = try ImageCodec.decode(bytes, name: "t.jpg", minShortSide: 32)
        #expect(quarter.width == 64 && quarter.height == 32)          // 1/4 keeps the short side ≥ 32
        let half = try ImageCodec.decode(bytes, name: "t.jpg", minShortSide: 60)
        #expect(half.width == 128 && half.height == 64)
        let almost = try ImageCodec.decode(bytes, name: "t.jpg", minShortSide: 100)
        #expect(almost.width == 256 && almost.height == 128)          // only the fast scales 1/8, 1/4, 1/2, 1
        let full = try ImageCodec.decode(bytes, name: "t.jpg", minShortSide: 500)
        #expect(full.width == 256 && full.height == 128)              // never upscales
    }

    @Test func grayscaleJPEGStaysOneChannel() throws {
        let g = Image(width: 8, height: 8, channels: 1, pixels: (0..<64).map { Float($0) / 63 })
        let back = try ImageCodec.decode(try ImageCodec.encodeJPEG(g), name: "g.jpg")
        #expect(back.channels == 1)
    }

    @Test func truncatedAndCorruptJPEGsThrow() throws {
        let bytes = try ImageCodec.encodeJPEG(gradientImage(width: 64, height: 64))
        let e1 = #expect(throws: ImageDecodeError.self) { try ImageCodec.decode(Array(bytes.prefix(bytes.count / 2)), name: "t.jpg") }
        #expect(e1?.problem == .corruptImage)
        #expect(e1?.message.hasPrefix("image file t.jpg is a corrupt or truncated JPEG (") == true)
        var garbled = bytes
        for i in 6..<80 { garbled[i] = 0x5A }
        let e2 = #expect(throws: ImageDecodeError.self) { try ImageCodec.decode(garbled, name: "g.jpg") }
        #expect(e2?.problem == .corruptImage)
        let e3 = #expect(throws: ImageDecodeError.self) { try ImageCodec.decode(Array("GIF89a....".utf8), name: "x.gif") }
        #expect(e3?.problem == .unsupportedFormat)
        #expect(e3?.message == "image file x.gif is not a JPEG or PNG (starts with bytes 47 49 46 38); convert it to JPEG or PNG")
        let e4 = #expect(throws: ImageDecodeError.self) { try ImageCodec.decode([], name: "e.jpg") }
        #expect(e4?.message == "image file e.jpg is empty; replace it or remove the row")
    }

    @Test func pngRoundTripIsExactAndTruncatedPNGThrows() throws {
        let img = gradientImage(width: 17, height: 9)
        let bytes = try ImageCodec.encodePNG(img)
        let back = try ImageCodec.decode(bytes, name: "t.png")
        #expect(back.width == 17 && back.height == 9 && back.channels == 3)
        #expect(back.interleavedBytes() == img.interleavedBytes())
        let e = #expect(throws: ImageDecodeError.self) { try ImageCodec.decode(Array(bytes.prefix(bytes.count - 20)), name: "t.png") }
        #expect(e?.problem == .corruptImage)
        #expect(e?.message.hasPrefix("image file t.png is a corrupt") == true)
    }

    @Test func missingFileIsReported() throws {
        let url = URL(fileURLWithPath: "/nonexistent/alip/x.jpg")
        let e = #expect(throws: ImageDecodeError.self) { try ImageCodec.decode(contentsOf: url) }
        #expect(e?.problem == .missingFile)
        #expect(e?.message == "image file /nonexistent/alip/x.jpg not found; check the path (relative to the manifest's folder) or remove the row")
    }
}
