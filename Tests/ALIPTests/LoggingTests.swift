import Foundation
import Testing
@testable import ALIP

private func tempDir(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("alip-logging-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

// MARK: - A tiny protobuf and TFRecord reader (the test's own, independent of the writer)

private struct ProtoReader {
    let bytes: [UInt8]
    var i = 0
    init(_ b: [UInt8]) { bytes = b }
    var atEnd: Bool { i >= bytes.count }
    mutating func varint() -> UInt64 {
        var v: UInt64 = 0, shift: UInt64 = 0
        while true { let b = bytes[i]; i += 1; v |= UInt64(b & 0x7F) << shift; if b < 0x80 { return v }; shift += 7 }
    }
    mutating func fixed(_ n: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<n { v |= UInt64(bytes[i + k]) << (8 * UInt64(k)) }
        i += n
        return v
    }
    mutating func lengthDelimited() -> [UInt8] { let n = Int(varint()); defer { i += n }; return Array(bytes[i..<(i + n)]) }
    /// (field number, wire type) of the next field.
    mutating func key() -> (Int, Int) { let k = varint(); return (Int(k >> 3), Int(k & 7)) }
}

private struct DecodedEvent {
    var wallTime = 0.0, step: Int64 = 0, fileVersion: String?, values: [(String, Float)] = []
}

private func decodeEvent(_ data: [UInt8]) -> DecodedEvent {
    var r = ProtoReader(data), e = DecodedEvent()
    while !r.atEnd {
        switch r.key() {
        case (1, 1): e.wallTime = Double(bitPattern: r.fixed(8))
        case (2, 0): e.step = Int64(bitPattern: r.varint())
        case (3, 2): e.fileVersion = String(decoding: r.lengthDelimited(), as: UTF8.self)
        case (5, 2):
            var s = ProtoReader(r.lengthDelimited())
            while !s.atEnd {
                #expect(s.key() == (1, 2))
                var v = ProtoReader(s.lengthDelimited()), tag = "", value: Float = .nan
                while !v.atEnd {
                    switch v.key() {
                    case (1, 2): tag = String(decoding: v.lengthDelimited(), as: UTF8.self)
                    case (2, 5): value = Float(bitPattern: UInt32(v.fixed(4)))
                    case let other: Issue.record("unexpected Value field \(other)"); return e
                    }
                }
                e.values.append((tag, value))
            }
        case let other: Issue.record("unexpected Event field \(other)"); return e
        }
    }
    return e
}

/// Splits a file into TFRecord payloads, checking both masked CRCs of every record.
private func records(_ bytes: [UInt8]) -> [[UInt8]] {
    var r = ProtoReader(bytes), out: [[UInt8]] = []
    while !r.atEnd {
        let lengthBytes = Array(bytes[r.i..<(r.i + 8)])
        let length = Int(r.fixed(8))
        #expect(UInt32(r.fixed(4)) == CRC32C.mask(CRC32C.checksum(lengthBytes)))
        let data = Array(bytes[r.i..<(r.i + length)])
        r.i += length
        #expect(UInt32(r.fixed(4)) == CRC32C.mask(CRC32C.checksum(data)))
        out.append(data)
    }
    return out
}

@Suite struct LoggingTensorBoardTests {
    @Test func crc32cKnownVectors() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        // RFC 3720 (iSCSI) appendix B.4.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
        #expect(CRC32C.mask(0) == 0xA282_EAD8)
        #expect(CRC32C.mask(0xE306_9283) == ((0xE306_9283 >> 15) | (0xE306_9283 << 17 & 0xFFFF_FFFF)) &+ 0xA282_EAD8)
    }

    @Test func fileVersionEventBytes() {
        let e = TensorBoardWriter.event(wallTime: 1.5, step: 3, fileVersion: "brain.Event:2")
        // 0x09 + 1.5 as little-endian double, 0x10 03, 0x1A 0D "brain.Event:2".
        #expect(e == [0x09, 0, 0, 0, 0, 0, 0, 0xF8, 0x3F, 0x10, 0x03, 0x1A, 0x0D] + Array("brain.Event:2".utf8))
        let rec = TensorBoardWriter.record([0x61])
        #expect(rec.count == 8 + 4 + 1 + 4)
        #expect(Array(rec[0..<8]) == [1, 0, 0, 0, 0, 0, 0, 0])
    }

    @Test func writesRecordsTheTestDecodesBack() throws {
        let dir = try tempDir("tb")
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = try TensorBoardWriter(directory: dir, host: "box", wallTime: 1_700_000_000.25, clock: { 1_700_000_100.5 })
        #expect(w.url.lastPathComponent == "events.out.tfevents.1700000000.box")
        try w.add(step: 20, scalars: ["loss.raw": 3.5, "lr": 0.001, "gate.lcg.mean": 0.25])
        try w.add(step: 300, scalars: ["loss.raw": 2.0], wallTime: 1_700_000_200)
        w.close()
        let second = try TensorBoardWriter(directory: dir, host: "box", wallTime: 1_700_000_000.9)
        #expect(second.url.lastPathComponent == "events.out.tfevents.1700000000.box.1")  // never overwrites
        second.close()

        let recs = records(Array(try Data(contentsOf: w.url)))
        #expect(recs.count == 3)
        let first = decodeEvent(recs[0])
        #expect(first.fileVersion == "brain.Event:2" && first.wallTime == 1_700_000_000.25 && first.values.isEmpty)
        let a = decodeEvent(recs[1])
        #expect(a.step == 20 && a.wallTime == 1_700_000_100.5 && a.fileVersion == nil)
        #expect(a.values.map(\.0) == ["gate.lcg.mean", "loss.raw", "lr"])
        #expect(a.values.map(\.1) == [0.25, 3.5, Float(0.001)])
        let b = decodeEvent(recs[2])
        #expect(b.step == 300 && b.wallTime == 1_700_000_200 && b.values.count == 1 && b.values[0].0 == "loss.raw")
    }

    static let tensorboardAvailable: Bool = {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", "import tensorboard"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }()

    @Test(.enabled(if: LoggingTensorBoardTests.tensorboardAvailable,
                   "python3 with the tensorboard package is not installed; the file is checked by the test's own decoder instead"))
    func tensorboardReadsTheFile() throws {
        let dir = try tempDir("tbpy")
        defer { try? FileManager.default.removeItem(at: dir) }
        let w = try TensorBoardWriter(directory: dir, host: "box")
        try w.add(step: 7, scalars: ["loss": 1.25])
        w.close()
        let script = """
        from tensorboard.backend.event_processing import event_accumulator as ea
        a = ea.EventAccumulator('\(dir.path)'); a.Reload()
        s = a.Scalars('loss'); print(s[0].step, s[0].value)
        """
        let p = Process(), out = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script]
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == "7 1.25")
    }
}

@Suite struct LoggingMetricsLogTests {
    @Test func linesHaveStepFirstThenSortedKeys() {
        let line = MetricsLog.line(step: 120, ["lr": 0.001, "loss.raw": 3.25, "grad_norm": 2, "bad": .nan, "q\"k": 1e-7])
        #expect(line == #"{"step": 120, "bad": null, "grad_norm": 2.0, "loss.raw": 3.25, "lr": 0.001, "q\"k": 1e-07}"#)
        let parsed = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect(parsed?["step"] as? Int == 120)
        #expect(MetricsLog.statistics("gate.lcg", [0.5, 0.25, 1]) == ["gate.lcg.mean": 1.75 / 3, "gate.lcg.min": 0.25, "gate.lcg.max": 1])
        #expect(MetricsLog.statistics("x", []).isEmpty)
    }

    @Test func appendsAndResumesWithoutDuplicates() throws {
        let dir = try tempDir("jsonl")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("metrics.jsonl")
        do {
            let log = try MetricsLog(url: url)
            for step in stride(from: 10, through: 50, by: 10) { try log.append(step: step, ["loss": Double(step)]) }
        }
        // A fresh open without a resume step appends: nothing is truncated.
        do { try MetricsLog(url: url).append(step: 60, ["loss": 60]) }
        #expect(try MetricsLog.read(url).map(\.step) == [10, 20, 30, 40, 50, 60])
        // Simulate a crash mid-write: a torn last line.
        let h = try FileHandle(forWritingTo: url)
        _ = try h.seekToEnd()
        try h.write(contentsOf: Data(#"{"step": 70, "lo"#.utf8))
        try h.close()
        // Resume from the checkpoint at step 30: steps 40–60 and the torn line go, 30 stays.
        let log = try MetricsLog(url: url, resumeStep: 30)
        try log.append(step: 40, ["loss": 4])
        log.close()
        let back = try MetricsLog.read(url)
        #expect(back.map(\.step) == [10, 20, 30, 40])
        #expect(back[3].metrics == ["loss": 4])
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.hasPrefix(#"{"step": 10, "loss": 10.0}"# + "\n"))
        #expect(text.hasSuffix(#"{"step": 40, "loss": 4.0}"# + "\n"))
        // Resuming at a later step keeps everything.
        _ = try MetricsLog(url: url, resumeStep: 1000)
        #expect(try MetricsLog.read(url).count == 4)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(".metrics.jsonl.resume.tmp").path))
    }

    @Test func aMalformedLineIsReportedWithFileAndLine() throws {
        let dir = try tempDir("bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("metrics.jsonl")
        try Data("{\"step\": 1}\nnot json\n".utf8).write(to: url)
        let error = #expect(throws: RunLogError.self) { try MetricsLog(url: url, resumeStep: 0) }
        #expect(error?.message.contains("metrics.jsonl:2:") == true)
        #expect(try String(contentsOf: url, encoding: .utf8) == "{\"step\": 1}\nnot json\n")  // untouched
    }
}

/// Collects what the reporter writes.
private final class Sink: @unchecked Sendable {
    var text = ""
    var now = 0.0
}

@Suite struct LoggingProgressTests {
    @Test func plainModePrintsPeriodicLines() {
        let sink = Sink()
        let p = ProgressReporter(total: 30, isTerminal: false, every: 10, clock: { sink.now }, sink: { sink.text += $0 })
        for step in 1...30 {
            sink.now = Double(step) * 0.5
            p.update(step: step, loss: 4 - Double(step) / 10, samplesPerSecond: 256)
        }
        p.finish()
        #expect(sink.text == """
        step 10/30 loss 3.000 samples/s 256.0 eta 0:10
        step 20/30 loss 2.000 samples/s 256.0 eta 0:05
        step 30/30 loss 1.000 samples/s 256.0 eta 0:00

        """)
    }

    @Test func terminalModeRedrawsOneLineInPlace() {
        let sink = Sink()
        let p = ProgressReporter(total: 600, startStep: 100, isTerminal: true, barWidth: 10, minRedrawInterval: 1,
                                 clock: { sink.now }, sink: { sink.text += $0 })
        sink.now = 2
        p.update(step: 120, loss: 3.4123, samplesPerSecond: 1234.4)
        sink.now = 2.5
        p.update(step: 121, loss: 3.0, samplesPerSecond: 1000)  // within the redraw interval: skipped
        p.message("checkpoint saved")
        sink.now = 200
        p.update(step: 600, loss: 1.0, samplesPerSecond: 1000)  // the last step always draws
        p.finish()
        let bar1 = "[##--------] 120/600 loss 3.412 · 1234 samples/s · ETA 0:48"
        let bar2 = "[##########] 600/600 loss 1.000 · 1000 samples/s · ETA 0:00"
        let clear = "\r\u{1B}[2K"
        #expect(sink.text == clear + bar1 + clear + "checkpoint saved\n" + bar1 + clear + bar2 + "\n")
    }

    @Test func etaFormats() {
        #expect(ProgressReporter.eta(done: 0, remaining: 10, elapsed: 5) == "--:--")
        #expect(ProgressReporter.eta(done: 1, remaining: 3725, elapsed: 1) == "1:02:05")
    }
}
