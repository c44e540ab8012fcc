import Foundation
@testable import Data
import Tensor

/// A fresh temporary folder for one test.
func makeTempDir(_ name: String = #function) throws -> URL {
    let clean = name.filter { $0.isLetter || $0.isNumber }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("alip-data-tests-\(clean)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func write(_ text: String, to url: URL) throws { try Foundation.Data(text.utf8).write(to: url) }
func write(bytes: [UInt8], to url: URL) throws { try Foundation.Data(bytes).write(to: url) }

/// A small RGB test image with a gradient, so crops and resizes are distinguishable.
func gradientImage(width: Int, height: Int) -> Image {
    var px = [Float](repeating: 0, count: 3 * width * height)
    for y in 0..<height {
        for x in 0..<width {
            px[y * width + x] = Float(x) / Float(max(1, width - 1))
            px[width * height + y * width + x] = Float(y) / Float(max(1, height - 1))
            px[2 * width * height + y * width + x] = 0.5
        }
    }
    return Image(width: width, height: height, channels: 3, pixels: px)
}

/// Writes `n` JPEGs and a manifest with columns image, raw_text, caption, label; returns the manifest.
func makeManifest(in dir: URL, rows n: Int, size: Int = 24, extraLines: [String] = [], name: String = "m.tsv") throws -> URL {
    var tsv = "image\traw_text\tcaption\tlabel\n"
    for i in 0..<n {
        var img = gradientImage(width: size, height: size)
        for k in 0..<(size * size) { img.pixels[2 * size * size + k] = Float(i % 10) / 10 }
        try write(bytes: try ImageCodec.encodeJPEG(img), to: dir.appendingPathComponent("img\(i).jpg"))
        tsv += "img\(i).jpg\traw text \(i)\ta caption \(i)\t\(i % 10)\n"
    }
    for l in extraLines { tsv += l + "\n" }
    let url = dir.appendingPathComponent(name)
    try write(tsv, to: url)
    return url
}

/// A tokenizer with no merges (bytes only), enough for loader tests.
func byteTokenizer(contextLength: Int = 16) -> BPETokenizer {
    try! BPETokenizer(merges: [], vocabSize: 514, contextLength: contextLength)
}
