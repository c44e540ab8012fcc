import Foundation

/// A fresh folder under the system's temporary directory for one test or suite; `remove()` deletes it.
public struct ScratchFolder: Sendable {
    /// The folder.
    public let url: URL

    /// Creates `<tmp>/alip-<label>-<uuid>/`.
    public init(_ label: String = "test") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("alip-\(label)-\(UUID().uuidString)", isDirectory: true)
            .standardizedFileURL
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A path inside the folder (not created).
    public func path(_ relative: String) -> URL { url.appendingPathComponent(relative) }

    /// Writes `text` to a file inside the folder (creating parent folders) and returns its URL.
    @discardableResult
    public func write(_ text: String, to relative: String) throws -> URL {
        let file = path(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
        return file
    }

    /// The names in a folder inside this one (sorted; empty when it does not exist).
    public func contents(of relative: String = "") -> [String] {
        let dir = relative.isEmpty ? url : path(relative)
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
    }

    /// Whether a file or folder exists inside the folder.
    public func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path(relative).path) }

    /// Deletes the folder and everything in it.
    public func remove() { try? FileManager.default.removeItem(at: url) }

    /// A path relative to `url` that reaches `target` (an absolute file URL) through `..` steps, for
    /// recipes that must `extends:` a file elsewhere (extends paths are relative to the recipe).
    public func relativePath(to target: URL) -> String {
        let from = url.resolvingSymlinksInPath().pathComponents.dropFirst()   // drop "/"
        let to = target.standardizedFileURL.resolvingSymlinksInPath().pathComponents.dropFirst()
        var common = 0
        for (a, b) in zip(from, to) where a == b { common += 1 }
        let ups = Array(repeating: "..", count: from.count - common)
        return (ups + Array(to.dropFirst(common))).joined(separator: "/")
    }
}
