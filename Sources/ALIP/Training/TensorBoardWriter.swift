import Foundation

/// Writes scalars as a TensorBoard event file, so `tensorboard --logdir RUN` shows the run.
///
/// The file `events.out.tfevents.<unix seconds>.<host>` is a sequence of TFRecords
/// (`uint64 length, uint32 masked_crc32c(length), data, uint32 masked_crc32c(data)`, little-endian)
/// whose data are hand-encoded protobuf messages:
/// `Event { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }`,
/// `Summary { repeated Value value = 1; }`, `Value { string tag = 1; float simple_value = 2; }`.
/// The first record carries `file_version: "brain.Event:2"`. Every record is written (and so flushed
/// to the operating system) as soon as it is added. A resumed run starts a new file beside the old
/// ones; TensorBoard reads all files of the folder.
public final class TensorBoardWriter {
    /// The event file.
    public let url: URL
    private let handle: FileHandle
    private let clock: () -> Double

    /// Creates a new event file in `directory` (created if missing). `wallTime` stamps the first
    /// record and the file name; `clock` gives each later record's wall time (seconds since 1970).
    public init(directory: URL, host: String = TensorBoardWriter.hostName(), wallTime: Double? = nil,
                clock: @escaping () -> Double = { Date().timeIntervalSince1970 }) throws {
        let start = wallTime ?? clock()
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw RunLogError("\(directory.path): cannot create the TensorBoard folder (\(error.localizedDescription)); check the run folder's permissions")
        }
        let safeHost = host.isEmpty ? "localhost" : host.replacingOccurrences(of: "/", with: "_")
        let base = "events.out.tfevents.\(Int(start)).\(safeHost)"
        var candidate = directory.appendingPathComponent(base)
        var n = 1
        while fm.fileExists(atPath: candidate.path) {  // two writers in the same second: never overwrite
            candidate = directory.appendingPathComponent("\(base).\(n)")
            n += 1
        }
        guard fm.createFile(atPath: candidate.path, contents: nil), let h = FileHandle(forWritingAtPath: candidate.path) else {
            throw RunLogError("\(candidate.path): cannot create the TensorBoard event file; check the run folder's permissions and free space")
        }
        url = candidate
        handle = h
        self.clock = clock
        try write(Self.event(wallTime: start, step: 0, fileVersion: "brain.Event:2"))
    }

    deinit { try? handle.close() }

    /// Appends one event holding every scalar of `scalars` at `step` (tags in sorted order).
    public func add(step: Int, scalars: [String: Double], wallTime: Double? = nil) throws {
        guard !scalars.isEmpty else { return }
        let values = scalars.keys.sorted().map { ($0, Float(scalars[$0]!)) }
        try write(Self.event(wallTime: wallTime ?? clock(), step: Int64(step), scalars: values))
    }

    /// Closes the file (later `add` calls fail).
    public func close() { try? handle.close() }

    private func write(_ data: [UInt8]) throws {
        do {
            try handle.write(contentsOf: Data(Self.record(data)))
        } catch {
            throw RunLogError("\(url.path): cannot write the TensorBoard event file (\(error.localizedDescription)); check free space")
        }
    }

    /// This machine's host name (from `gethostname`).
    public static func hostName() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count) == 0 else { return "localhost" }
        let bytes = buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: - Encoding

    /// One TFRecord around `data`.
    public static func record(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 16)
        let length = littleEndian(UInt64(data.count))
        out += length
        out += littleEndian(CRC32C.maskedChecksum(length))
        out += data
        out += littleEndian(CRC32C.maskedChecksum(data))
        return out
    }

    /// An encoded `Event` with either a file version or a summary of scalars.
    public static func event(wallTime: Double, step: Int64, fileVersion: String? = nil,
                             scalars: [(tag: String, value: Float)] = []) -> [UInt8] {
        var out: [UInt8] = []
        out.append(0x09)  // field 1, fixed64
        out += littleEndian(wallTime.bitPattern)
        out.append(0x10)  // field 2, varint
        out += varint(UInt64(bitPattern: step))
        if let v = fileVersion {
            out.append(0x1A)  // field 3, length-delimited
            lengthDelimited(Array(v.utf8), into: &out)
        } else {
            var summary: [UInt8] = []
            for (tag, value) in scalars {
                var v: [UInt8] = [0x0A]  // Value.tag: field 1, length-delimited
                lengthDelimited(Array(tag.utf8), into: &v)
                v.append(0x15)  // Value.simple_value: field 2, fixed32
                v += littleEndian(value.bitPattern)
                summary.append(0x0A)  // Summary.value: field 1, length-delimited
                lengthDelimited(v, into: &summary)
            }
            out.append(0x2A)  // field 5, length-delimited
            lengthDelimited(summary, into: &out)
        }
        return out
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var v = value, out: [UInt8] = []
        repeat {
            var byte = UInt8(v & 0x7F)
            v >>= 7
            if v != 0 { byte |= 0x80 }
            out.append(byte)
        } while v != 0
        return out
    }

    private static func lengthDelimited(_ bytes: [UInt8], into out: inout [UInt8]) {
        out += varint(UInt64(bytes.count))
        out += bytes
    }

    private static func littleEndian<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
        withUnsafeBytes(of: v.littleEndian) { Array($0) }
    }
}
