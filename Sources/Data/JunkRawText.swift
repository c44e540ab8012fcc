import Components
import Tensor

/// `junk-raw-text`: a fraction `rate` of the samples get web junk instead of their raw text — camera
/// file names (`IMG_2041.jpg`, `DSC01234.JPG`), boilerplate ("click to enlarge", "stock photo",
/// "image", …) — drawn from the seeded generator.
public struct JunkRawText: TextNoise, Component {
    public static let typeName = "junk-raw-text"
    public static let summary = "replace a fraction `rate` of training raw texts with web junk (file names, boilerplate)"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("rate", .float, default: .double(0.2), range: 0...1, doc: "fraction of training samples whose raw text becomes junk"),
        ParameterSpec("seed", .int, default: nil, range: 0...Double(Int.max), optional: true, doc: "noise seed (default: the run's seed)"),
    ]

    /// The boilerplate phrases.
    public static let phrases = [
        "click to enlarge", "image", "stock photo", "photo", "untitled", "thumbnail", "view full size",
        "no description available", "download", "picture", "screenshot", "image may contain", "see more",
        "copyright all rights reserved", "loading...", "placeholder",
    ]

    public let rate: Double
    public let seed: UInt64?

    /// Junk noise at `rate`.
    public init(rate: Double, seed: UInt64? = nil) {
        precondition((0...1).contains(rate), "JunkRawText: rate must be in [0, 1]")
        self.rate = rate
        self.seed = seed
    }

    public init(config: ComponentConfig, context: BuildContext) throws {
        self.init(rate: config.double("rate"), seed: config.optionalInt("seed").map { UInt64($0) })
    }

    /// One junk text.
    public static func junk(_ rng: inout RandomGenerator) -> String {
        func digits(_ n: Int) -> String { (0..<n).map { _ in String(rng.nextInt(below: 10)) }.joined() }
        switch rng.nextInt(below: 6) {
        case 0: return "IMG_\(digits(4)).jpg"
        case 1: return "DSC\(digits(5)).JPG"
        case 2: return "image\(digits(rng.nextInt(below: 3) + 1)).png"
        case 3: return "\(digits(8))_\(digits(6)).jpg"
        default: return phrases[rng.nextInt(below: phrases.count)]
        }
    }

    public func corrupt(_ texts: [String], seed: UInt64) -> (texts: [String], corrupted: [Bool]) {
        var rng = NoiseSupport.generator(seed, salt: 0x4A55)
        let chosen = NoiseSupport.chosen(count: texts.count, rate: rate, rng: &rng)
        var out = texts
        for i in chosen.sorted() { out[i] = Self.junk(&rng) }
        return (out, zip(out, texts).map { $0 != $1 })
    }
}
