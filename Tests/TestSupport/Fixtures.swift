import Foundation

/// Where the shared reference fixtures are: `$ALIP_FIXTURES`, else `../shared/fixtures` beside the
/// repository (as CI lays it out).
public enum FixturePaths {
    /// The repository root (found from this file's path).
    public static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The fixtures folder.
    public static var directory: URL {
        if let env = ProcessInfo.processInfo.environment["ALIP_FIXTURES"] { return URL(fileURLWithPath: env) }
        return repoRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures")
    }

    /// A fixture file by name (`tiny-a.h5`).
    public static func file(_ name: String) -> URL { directory.appendingPathComponent(name) }
}
