import Foundation
import Tensor

/// The built-in benchmark: small scenes of one or two coloured MNIST digits, with a simulated
/// captioner's `caption` (content-focused, generic, sometimes wrong) and simulated web alt-text
/// `raw_text` (specific but unreliable). `Docs/digit-scenes.md` documents every field and probability.
///
/// Train and test scenes draw from disjoint source digits (of each class, the first 80% in the shipped
/// file's order train, the rest test; the file is sorted by class), so the test set shows unseen
/// handwriting of every class.
public enum DigitScenes {
    /// Generator settings (defaults as documented).
    public struct Options: Sendable, Equatable {
        /// Side of the square RGB images.
        public var imageSize = 32
        /// Probability that the caption gets each attribute it states wrong.
        public var captionErrorRate = 0.1
        /// Probability that the raw text gets each attribute it states wrong.
        public var rawErrorRate = 0.05
        /// JPEG quality.
        public var jpegQuality = 95
        public init() {}
    }

    /// The manifests of a generated set.
    public struct Paths: Sendable, Equatable {
        public let train: URL
        public let test: URL
    }

    /// Digit names, by class (`classNames[label]`), as captions and zero-shot prompts use them.
    public static let classNames = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    /// The colour names and their RGB values.
    public static let colors: [(name: String, rgb: (Float, Float, Float))] = [
        ("red", (0.92, 0.12, 0.10)), ("green", (0.10, 0.80, 0.15)), ("blue", (0.15, 0.30, 1.00)),
        ("yellow", (0.95, 0.90, 0.10)), ("cyan", (0.10, 0.85, 0.90)), ("magenta", (0.90, 0.10, 0.85)),
        ("white", (0.95, 0.95, 0.95)), ("orange", (1.00, 0.55, 0.05)),
    ]
    /// Fraction of each class's source digits reserved for the test scenes.
    public static let testFraction = 0.2

    /// The source digits of each split: per class, the first `1 − testFraction` of its digits in file
    /// order for training and the rest for testing — disjoint, and both cover every class (a split by
    /// position alone would give the test set only the last classes, as the shipped file is sorted).
    public static func sourcePools(labels: [Int]) -> (train: [Int], test: [Int]) {
        var byClass: [Int: [Int]] = [:]
        for (i, l) in labels.enumerated() { byClass[l, default: []].append(i) }
        var train: [Int] = [], test: [Int] = []
        for l in byClass.keys.sorted() {
            let idx = byClass[l]!
            let cut = idx.count - max(1, Int((Double(idx.count) * testFraction).rounded()))
            train += idx[..<max(cut, 0)]
            test += idx[max(cut, 0)...]
        }
        return (train, test)
    }
    static let formatVersion = 2

    /// One digit in a scene.
    public struct Digit: Sendable, Equatable {
        public var label: Int
        public var color: Int
        public var large: Bool
        /// 0 = left/top, 1 = right/bottom.
        public var slot: Int
        /// Index of the source digit in the shipped file.
        public var source: Int
    }

    /// One scene: its digits (reading order) and layout.
    public struct Scene: Sendable, Equatable {
        public var digits: [Digit]
        /// Left/right (true) or top/bottom (false).
        public var horizontal: Bool
    }

    static func positionName(_ slot: Int, horizontal: Bool) -> String {
        horizontal ? (slot == 0 ? "left" : "right") : (slot == 0 ? "top" : "bottom")
    }

    /// "on the left", "on the right", "at the top", "at the bottom".
    static func positionPhrase(_ slot: Int, horizontal: Bool) -> String {
        (horizontal ? "on the " : "at the ") + positionName(slot, horizontal: horizontal)
    }

    static func article(_ word: String) -> String {
        ["a", "e", "i", "o", "u"].contains(word.prefix(1)) ? "an" : "a"
    }

    /// Draws a scene's content.
    static func drawScene(pool: [Int], labels: [Int], rng: inout RandomGenerator) -> Scene {
        let two = rng.nextUniform() < 0.5
        let horizontal = rng.nextUniform() < 0.5
        let slots = two ? [0, 1] : [rng.nextInt(below: 2)]
        let digits = slots.map { slot -> Digit in
            let src = pool[rng.nextInt(below: pool.count)]
            return Digit(label: labels[src], color: rng.nextInt(below: colors.count), large: rng.nextUniform() < 0.5, slot: slot, source: src)
        }
        return Scene(digits: digits, horizontal: horizontal)
    }

    /// Renders a scene: a dark textured background, each digit tinted with its colour in its half.
    static func render(_ scene: Scene, mnist: MNISTDigits, size S: Int, rng: inout RandomGenerator) -> Image {
        let plane = S * S
        var px = [Float](repeating: 0, count: 3 * plane)
        // Background: a dark base colour, a faint diagonal wave and per-pixel grain.
        let base = (0..<3).map { _ in 0.03 + 0.10 * rng.nextUniform() }
        let fx = 0.2 + 0.6 * rng.nextUniform(), fy = 0.2 + 0.6 * rng.nextUniform(), phase = 6.283 * rng.nextUniform()
        for y in 0..<S {
            for x in 0..<S {
                let wave = 0.04 * sin(fx * Float(x) + fy * Float(y) + phase)
                for c in 0..<3 {
                    let grain = 0.05 * (rng.nextUniform() - 0.5)
                    px[c * plane + y * S + x] = max(0, min(0.25, base[c] + wave + grain))
                }
            }
        }
        let half = S / 2
        for d in scene.digits {
            let side = max(4, (d.large ? 16 : 10) * S / 32)
            // MNIST digits sit in the central 20×20 of their 28×28 box; scale that box to the glyph size.
            let src = mnist.images[d.source]
            let gray = src.withUnsafeBufferPointer { Image(interleaved: $0, width: 28, height: 28, channels: 1) }
            let glyph = Resampling.cropResize(gray, x: 4, y: 4, width: 20, height: 20, outWidth: side, outHeight: side, filter: .bilinear)
            // The digit's half: along the split axis it is centred in its half with ±1 px jitter; across
            // it, anywhere in the image.
            let alongLo = d.slot * half + (half - side) / 2 + rng.nextInt(below: 3) - 1
            let along = max(d.slot * half, min(d.slot * half + half - side, alongLo))
            let across = rng.nextInt(below: S - side + 1)
            let (x0, y0) = scene.horizontal ? (along, across) : (across, along)
            let rgb = colors[d.color].rgb
            let col = [rgb.0, rgb.1, rgb.2]
            for r in 0..<side {
                for j in 0..<side {
                    let a = glyph.pixels[r * side + j]
                    let o = (y0 + r) * S + x0 + j
                    for c in 0..<3 { px[c * plane + o] = px[c * plane + o] * (1 - a) + col[c] * a }
                }
            }
        }
        return Image(width: S, height: S, channels: 3, pixels: px)
    }

    /// The full, correct description (test captions; the `description` column of every row).
    public static func describe(_ scene: Scene) -> String {
        scene.digits.map { d in
            let size = d.large ? "large" : "small"
            return "\(article(size)) \(size) \(colors[d.color].name) \(classNames[d.label]) \(positionPhrase(d.slot, horizontal: scene.horizontal))"
        }.joined(separator: " and ")
    }

    /// A value other than `v` in `0..<n`.
    static func other(_ v: Int, _ n: Int, _ rng: inout RandomGenerator) -> Int {
        let k = rng.nextInt(below: n - 1)
        return k >= v ? k + 1 : k
    }

    /// The simulated captioner: names every digit and its colour; states size and position only half
    /// the time; each stated attribute is wrong with probability `errorRate`.
    static func caption(_ scene: Scene, errorRate: Double, rng: inout RandomGenerator) -> String {
        let detailed = rng.nextDouble() < 0.5
        let prefixes = ["", "a picture of ", "an image of "]
        let prefix = prefixes[rng.nextInt(below: prefixes.count)]
        let parts = scene.digits.map { d -> String in
            let label = rng.nextDouble() < errorRate ? other(d.label, 10, &rng) : d.label
            let color = rng.nextDouble() < errorRate ? other(d.color, colors.count, &rng) : d.color
            var words: [String] = []
            if detailed {
                let large = rng.nextDouble() < errorRate ? !d.large : d.large
                words.append(large ? "large" : "small")
            }
            words += [colors[color].name, classNames[label]]
            var phrase = "\(article(words[0])) " + words.joined(separator: " ")
            if detailed {
                let slot = rng.nextDouble() < errorRate ? 1 - d.slot : d.slot
                phrase += " " + positionPhrase(slot, horizontal: scene.horizontal)
            }
            return phrase
        }
        return prefix + parts.joined(separator: " and ")
    }

    /// The simulated web alt-text: a varying subset of attributes (size and position as often as digit
    /// and colour), in one of five styles, each stated attribute wrong with probability `errorRate`.
    static func rawText(_ scene: Scene, errorRate: Double, rng: inout RandomGenerator) -> String {
        var mentioned = scene.digits
        if mentioned.count == 2, rng.nextDouble() < 0.25 { mentioned = [mentioned[rng.nextInt(below: 2)]] }
        let style = rng.nextInt(below: 5)
        let numerals = rng.nextDouble() < 0.5
        let smallWords = ["small", "tiny", "little"], largeWords = ["large", "big", "huge"]
        let pieces: [[String]] = mentioned.map { d in
            var hasDigit = rng.nextDouble() < 0.85
            let hasColor = rng.nextDouble() < 0.6, hasSize = rng.nextDouble() < 0.6, hasPos = rng.nextDouble() < 0.6
            if !hasDigit && !hasColor && !hasSize && !hasPos { hasDigit = true }
            var w: [String] = []
            if hasSize {
                let large = rng.nextDouble() < errorRate ? !d.large : d.large
                let list = large ? largeWords : smallWords
                w.append(list[rng.nextInt(below: list.count)])
            }
            if hasColor { w.append(colors[rng.nextDouble() < errorRate ? other(d.color, colors.count, &rng) : d.color].name) }
            if hasDigit {
                let l = rng.nextDouble() < errorRate ? other(d.label, 10, &rng) : d.label
                w.append(numerals ? String(l) : classNames[l])
            }
            if hasPos { w.append(positionName(rng.nextDouble() < errorRate ? 1 - d.slot : d.slot, horizontal: scene.horizontal)) }
            return w
        }
        switch style {
        case 0:   // tags
            return pieces.map { $0.joined(separator: ", ") }.joined(separator: "; ")
        case 1:   // phrase
            return pieces.map { p -> String in
                var p = p
                var tail = ""
                if let last = p.last, ["left", "right", "top", "bottom"].contains(last) { p.removeLast(); tail = (p.isEmpty ? "" : " ") + (["left", "right"].contains(last) ? "on the " : "at the ") + last }
                return p.joined(separator: " ") + tail
            }.joined(separator: " and ")
        case 2:   // slug
            return "digit-" + pieces.map { $0.joined(separator: "-") }.joined(separator: "-and-")
        case 3:   // hashtags
            return pieces.flatMap { $0 }.map { "#" + $0 }.joined(separator: " ")
        default:  // chatty
            return "my handwritten " + pieces.map { $0.joined(separator: " ") }.joined(separator: " plus ") + " lol"
        }
    }

    /// The rows of one split.
    struct Row { let image: String; let raw: String; let caption: String; let label: Int; let description: String }

    /// Writes `train` and `test` scenes as JPEGs with `train.tsv` and `test.tsv` into `dir`.
    /// Deterministic for a seed (scene `i` of a split uses its own generator), so the files are the same
    /// whatever the thread timing.
    public static func generate(into dir: URL, train: Int = 4000, test: Int = 1000, seed: UInt64 = 0,
                                options: Options = Options(), source: URL? = nil) throws {
        precondition(train >= 0 && test >= 0, "DigitScenes.generate: counts must be non-negative")
        let mnist = try source.map(MNISTDigits.init(contentsOf:)) ?? MNISTDigits.bundled()
        let pools = sourcePools(labels: mnist.labels)
        guard !pools.train.isEmpty, !pools.test.isEmpty else {
            throw DataError(file: source?.path ?? "mnist_5k.csv.gz", "needs digits for both splits, found \(mnist.images.count)")
        }
        let fm = FileManager.default
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        for (split, count, pool, salt) in [("train", train, pools.train, UInt64(1)), ("test", test, pools.test, UInt64(2))] {
            let folder = dir.appendingPathComponent(split)
            try? fm.removeItem(at: folder)
            try fm.createDirectory(at: folder, withIntermediateDirectories: true)
            let rows = UncheckedSendable(UnsafeMutableBufferPointer<Row?>.allocate(capacity: max(1, count)))
            rows.value.initialize(repeating: nil)
            defer { rows.value.deallocate() }
            let failure = UncheckedSendable(NSLock())
            nonisolated(unsafe) var firstError: Error?
            DispatchQueue.concurrentPerform(iterations: max(1, min(count, 8))) { chunk in
                let chunks = max(1, min(count, 8))
                var i = chunk
                while i < count {
                    defer { i += chunks }
                    var rng = RandomGenerator(seed: BatchBuilder.mix(BatchBuilder.mix(seed, salt), UInt64(i)))
                    let scene = drawScene(pool: pool, labels: mnist.labels, rng: &rng)
                    let image = render(scene, mnist: mnist, size: options.imageSize, rng: &rng)
                    let name = String(format: "%05d.jpg", i)
                    do {
                        let jpeg = try ImageCodec.encodeJPEG(image, quality: options.jpegQuality)
                        try Foundation.Data(jpeg).write(to: folder.appendingPathComponent(name))
                    } catch {
                        failure.value.lock(); if firstError == nil { firstError = error }; failure.value.unlock()
                        continue
                    }
                    let full = describe(scene)
                    let cap = split == "test" ? full : caption(scene, errorRate: options.captionErrorRate, rng: &rng)
                    let raw = rawText(scene, errorRate: options.rawErrorRate, rng: &rng)
                    rows.value[i] = Row(image: "\(split)/\(name)", raw: raw, caption: cap, label: scene.digits[0].label, description: full)
                }
            }
            if let e = firstError { throw e }
            var tsv = "image\traw_text\tcaption\tlabel\tdescription\n"
            for i in 0..<count {
                let r = rows.value[i]!
                tsv += [r.image, r.raw, r.caption, String(r.label), r.description].map { DelimitedText.quoted($0, delimiter: "\t") }.joined(separator: "\t") + "\n"
            }
            try Foundation.Data(tsv.utf8).write(to: dir.appendingPathComponent("\(split).tsv"), options: .atomic)
        }
    }

    private static let markerName = ".digit-scenes.json"

    private static func marker(train: Int, test: Int, seed: UInt64, options: Options) -> String {
        "{\"format_version\": \(formatVersion), \"train\": \(train), \"test\": \(test), \"seed\": \(seed), \"image_size\": \(options.imageSize), "
            + "\"caption_error_rate\": \(options.captionErrorRate), \"raw_error_rate\": \(options.rawErrorRate), \"jpeg_quality\": \(options.jpegQuality)}\n"
    }

    /// The set at `dir`, generating it on first use. A complete set made with the same parameters is
    /// reused; a partial one (no completion marker, for example after an interrupted run) or one made
    /// with other parameters is regenerated.
    @discardableResult
    public static func ensure(at dir: URL, train: Int = 4000, test: Int = 1000, seed: UInt64 = 0,
                              options: Options = Options()) throws -> Paths {
        let paths = Paths(train: dir.appendingPathComponent("train.tsv"), test: dir.appendingPathComponent("test.tsv"))
        let markerURL = dir.appendingPathComponent(markerName)
        let expected = marker(train: train, test: test, seed: seed, options: options)
        let fm = FileManager.default
        if let m = try? String(contentsOf: markerURL, encoding: .utf8), m == expected,
           fm.fileExists(atPath: paths.train.path), fm.fileExists(atPath: paths.test.path) {
            return paths
        }
        try? fm.removeItem(at: markerURL)
        try generate(into: dir, train: train, test: test, seed: seed, options: options)
        try Foundation.Data(expected.utf8).write(to: markerURL, options: .atomic)
        return paths
    }
}
