import ArgumentParser
import Data
import Foundation

/// `alip data`: data set tools.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Generate and inspect data sets.",
        subcommands: [DigitScenesCommand.self, CorruptCommand.self]
    )
}

/// `alip data digit-scenes`: writes the built-in digit-scenes benchmark.
struct DigitScenesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digit-scenes",
        abstract: "Write the digit-scenes benchmark (JPEG images, train.tsv and test.tsv) built from the shipped MNIST digits.",
        discussion: "See Docs/digit-scenes.md for what each field contains."
    )

    @Option(name: .long, help: "Output folder.")
    var out: String

    @Option(name: .long, help: "Number of training scenes.")
    var train: Int = 4000

    @Option(name: .long, help: "Number of test scenes.")
    var test: Int = 1000

    @Option(name: .long, help: "Seed (the same seed writes the same files).")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Image side in pixels.")
    var imageSize: Int = 32

    @Option(name: .long, help: "Probability that the caption gets an attribute wrong.")
    var captionError: Double = 0.1

    func validate() throws {
        guard train >= 0, test >= 0 else { throw ValidationError("--train and --test must be non-negative") }
        guard (16...1024).contains(imageSize) else { throw ValidationError("--image-size must be in 16…1024") }
        guard (0...1).contains(captionError) else { throw ValidationError("--caption-error must be in [0, 1]") }
    }

    func run() throws {
        var options = DigitScenes.Options()
        options.imageSize = imageSize
        options.captionErrorRate = captionError
        let dir = URL(fileURLWithPath: out)
        let start = Date()
        do {
            try DigitScenes.generate(into: dir, train: train, test: test, seed: seed, options: options)
        } catch let e as DataError {
            throw ValidationError(e.description)
        }
        let secs = Date().timeIntervalSince(start)
        print("wrote \(train) train and \(test) test scenes to \(dir.path) (train.tsv, test.tsv) in \(String(format: "%.1f", secs)) s")
    }
}
