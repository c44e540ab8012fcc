import CPNG
import CTurboJPEG
import Foundation

/// Why an image could not be decoded; the loader turns it into a manifest row error.
public struct ImageDecodeError: Error, Sendable, CustomStringConvertible {
    /// The category (missing file, corrupt image, unsupported format).
    public let problem: RowProblem
    /// What is wrong with the file and what to do.
    public let message: String
    public var description: String { message }
}

/// JPEG (libjpeg-turbo's TurboJPEG API) and PNG (libpng's simplified API) decoding, and JPEG encoding.
///
/// Neither library may `exit()` or `longjmp` across Swift frames: TurboJPEG reports errors by return
/// code, and libpng's simplified API keeps its `setjmp` inside libpng, so every bad file becomes an
/// `ImageDecodeError`. Warnings (for example "Premature end of JPEG file" for a truncated file) count
/// as errors: a partly grey image is a silent wrong sample.
public enum ImageCodec {
    /// Reads and decodes the image at `url`. With `minShortSide`, large JPEGs decode at the smallest
    /// DCT scale (1/8, 1/4, 1/2 or 1) whose shorter side is still at least `minShortSide`.
    public static func decode(contentsOf url: URL, minShortSide: Int? = nil) throws -> Image {
        let bytes: [UInt8]
        do { bytes = [UInt8](try Foundation.Data(contentsOf: url)) } catch {
            if !FileManager.default.fileExists(atPath: url.path) {
                throw ImageDecodeError(problem: .missingFile, message: "image file \(url.path) not found; check the path (relative to the manifest's folder) or remove the row")
            }
            throw ImageDecodeError(problem: .missingFile, message: "cannot read image file \(url.path) (\(error.localizedDescription))")
        }
        return try decode(bytes, name: url.path, minShortSide: minShortSide)
    }

    /// Decodes JPEG or PNG bytes (detected from the signature). `name` is used in messages.
    public static func decode(_ bytes: [UInt8], name: String, minShortSide: Int? = nil) throws -> Image {
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF {
            return try decodeJPEG(bytes, name: name, minShortSide: minShortSide)
        }
        if bytes.count >= 8, bytes[0...7].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return try decodePNG(bytes, name: name)
        }
        if bytes.isEmpty {
            throw ImageDecodeError(problem: .corruptImage, message: "image file \(name) is empty; replace it or remove the row")
        }
        let head = bytes.prefix(4).map { String(format: "%02x", $0) }.joined(separator: " ")
        throw ImageDecodeError(problem: .unsupportedFormat,
                               message: "image file \(name) is not a JPEG or PNG (starts with bytes \(head)); convert it to JPEG or PNG")
    }

    private static func tjError(_ h: tjhandle?) -> String {
        guard let s = tjGetErrorStr2(h) else { return "unknown error" }
        return String(cString: s)
    }

    /// Decodes a JPEG with TurboJPEG (grayscale JPEGs stay one channel).
    public static func decodeJPEG(_ bytes: [UInt8], name: String, minShortSide: Int? = nil) throws -> Image {
        guard let h = tjInitDecompress() else {
            throw ImageDecodeError(problem: .corruptImage, message: "cannot start the JPEG decoder (\(tjError(nil)))")
        }
        defer { tjDestroy(h) }
        var w: Int32 = 0, ht: Int32 = 0, subsamp: Int32 = 0, colorspace: Int32 = 0
        let rc = bytes.withUnsafeBufferPointer { b in
            tjDecompressHeader3(h, b.baseAddress, UInt(b.count), &w, &ht, &subsamp, &colorspace)
        }
        guard rc == 0, w > 0, ht > 0 else {
            throw ImageDecodeError(problem: .corruptImage, message: "image file \(name) is a corrupt JPEG (\(tjError(h))); replace it or remove the row")
        }
        var sw = w, sh = ht
        if let target = minShortSide, target > 0 {
            var n: Int32 = 0
            if let factors = tjGetScalingFactors(&n) {
                // Smallest scaled size whose shorter side still reaches the target.
                var best: (Int32, Int32)? = nil
                for k in 0..<Int(n) {
                    let f = factors[k]
                    // Never upscale; only 1/8, 1/4, 1/2 and 1 (libjpeg-turbo's fast, SIMD paths).
                    guard f.num <= f.denom, f.num == 1 || f.num == f.denom, [1, 2, 4, 8].contains(f.denom / f.num) else { continue }
                    let cw = (w * f.num + f.denom - 1) / f.denom, ch = (ht * f.num + f.denom - 1) / f.denom
                    guard min(cw, ch) >= Int32(target) else { continue }
                    if best == nil || cw * ch < best!.0 * best!.1 { best = (cw, ch) }
                }
                if let b = best { sw = b.0; sh = b.1 }
            }
        }
        let gray = colorspace == Int32(TJCS_GRAY.rawValue)
        let channels = gray ? 1 : 3
        let format = gray ? TJPF_GRAY : TJPF_RGB
        var out = [UInt8](repeating: 0, count: Int(sw) * Int(sh) * channels)
        let drc = bytes.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { o in
                tjDecompress2(h, b.baseAddress, UInt(b.count), o.baseAddress, sw, 0, sh, Int32(format.rawValue),
                              TJFLAG_STOPONWARNING)
            }
        }
        guard drc == 0 else {
            throw ImageDecodeError(problem: .corruptImage,
                                   message: "image file \(name) is a corrupt or truncated JPEG (\(tjError(h))); replace it or remove the row")
        }
        return out.withUnsafeBufferPointer { Image(interleaved: $0, width: Int(sw), height: Int(sh), channels: channels) }
    }

    /// Decodes a PNG with libpng's simplified API to 8-bit gray or RGB (alpha composited on black).
    public static func decodePNG(_ bytes: [UInt8], name: String) throws -> Image {
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        let ok = bytes.withUnsafeBufferPointer { png_image_begin_read_from_memory(&img, $0.baseAddress, $0.count) }
        func message() -> String {
            withUnsafeBytes(of: img.message) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
        guard ok != 0 else {
            let m = message()
            png_image_free(&img)
            throw ImageDecodeError(problem: .corruptImage, message: "image file \(name) is a corrupt PNG (\(m)); replace it or remove the row")
        }
        let isColor = (img.format & UInt32(PNG_FORMAT_FLAG_COLOR)) != 0
        img.format = isColor ? UInt32(PNG_FORMAT_FLAG_COLOR) : 0
        let channels = isColor ? 3 : 1
        let width = Int(img.width), height = Int(img.height)
        var out = [UInt8](repeating: 0, count: width * height * channels)
        let fin = bytes.withUnsafeBufferPointer { _ in
            out.withUnsafeMutableBufferPointer { png_image_finish_read(&img, nil, $0.baseAddress, 0, nil) }
        }
        guard fin != 0, (img.warning_or_error & 0x03) <= 1 else {
            let m = message()
            png_image_free(&img)
            throw ImageDecodeError(problem: .corruptImage, message: "image file \(name) is a corrupt or truncated PNG (\(m)); replace it or remove the row")
        }
        png_image_free(&img)
        return out.withUnsafeBufferPointer { Image(interleaved: $0, width: width, height: height, channels: channels) }
    }

    /// Encodes an RGB or gray image as a baseline JPEG (4:4:4 chroma, so small coloured shapes keep
    /// their colour) at `quality` 1…100.
    public static func encodeJPEG(_ image: Image, quality: Int = 95) throws -> [UInt8] {
        guard let h = tjInitCompress() else { throw DataError(file: "<jpeg encoder>", "cannot start the JPEG encoder (\(tjError(nil)))") }
        defer { tjDestroy(h) }
        let src = image.interleavedBytes()
        var buf: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let format = image.channels == 1 ? TJPF_GRAY : TJPF_RGB
        let subsamp = image.channels == 1 ? TJSAMP_GRAY : TJSAMP_444
        let rc = src.withUnsafeBufferPointer { s in
            tjCompress2(h, s.baseAddress, Int32(image.width), 0, Int32(image.height), Int32(format.rawValue),
                        &buf, &size, Int32(subsamp.rawValue), Int32(quality), TJFLAG_ACCURATEDCT)
        }
        defer { if let b = buf { tjFree(b) } }
        guard rc == 0, let b = buf else { throw DataError(file: "<jpeg encoder>", "JPEG encoding failed (\(tjError(h)))") }
        return Array(UnsafeBufferPointer(start: b, count: Int(size)))
    }

    /// Encodes an RGB or gray image as an 8-bit PNG (libpng's simplified API).
    public static func encodePNG(_ image: Image) throws -> [UInt8] {
        var img = png_image()
        img.version = UInt32(PNG_IMAGE_VERSION)
        img.width = UInt32(image.width)
        img.height = UInt32(image.height)
        img.format = image.channels == 3 ? UInt32(PNG_FORMAT_FLAG_COLOR) : 0
        let src = image.interleavedBytes()
        var size = 0
        // First call sizes the buffer, second writes it.
        let ok1 = src.withUnsafeBufferPointer { png_image_write_to_memory(&img, nil, &size, 0, $0.baseAddress, 0, nil) }
        guard ok1 != 0, size > 0 else { png_image_free(&img); throw DataError(file: "<png encoder>", "PNG encoding failed") }
        var out = [UInt8](repeating: 0, count: size)
        let ok2 = src.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBytes { png_image_write_to_memory(&img, $0.baseAddress, &size, 0, s.baseAddress, 0, nil) }
        }
        png_image_free(&img)
        guard ok2 != 0 else { throw DataError(file: "<png encoder>", "PNG encoding failed") }
        return Array(out.prefix(size))
    }
}
