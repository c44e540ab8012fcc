/// A decoded image in planar (channel-major, CHW) Float layout: `channels` planes of `height × width`.
/// Values are in [0, 1] after decoding; `Normalize` maps them to CLIP's normalised range.
public struct Image: Sendable, Equatable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// 1 (grayscale) or 3 (RGB).
    public var channels: Int
    /// `channels * height * width` values, plane after plane, row-major within a plane.
    public var pixels: [Float]

    /// An image from planar pixels (`pixels.count == channels * height * width`).
    public init(width: Int, height: Int, channels: Int, pixels: [Float]) {
        precondition(pixels.count == width * height * channels, "Image: \(pixels.count) values for \(channels)×\(height)×\(width)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// An image from interleaved 8-bit pixels (`RGBRGB…` or gray), scaled to [0, 1].
    public init(interleaved bytes: UnsafeBufferPointer<UInt8>, width: Int, height: Int, channels: Int) {
        let plane = width * height
        var px = [Float](repeating: 0, count: plane * channels)
        px.withUnsafeMutableBufferPointer { out in
            for i in 0..<plane {
                for c in 0..<channels { out[c * plane + i] = Float(bytes[i * channels + c]) * (1.0 / 255.0) }
            }
        }
        self.init(width: width, height: height, channels: channels, pixels: px)
    }

    /// Interleaved 8-bit pixels (rounded, clamped), for encoding.
    public func interleavedBytes() -> [UInt8] {
        let plane = width * height
        var out = [UInt8](repeating: 0, count: plane * channels)
        for i in 0..<plane {
            for c in 0..<channels {
                let v = (pixels[c * plane + i] * 255).rounded()
                out[i * channels + c] = UInt8(max(0, min(255, v)))
            }
        }
        return out
    }
}
