/// Shape arithmetic shared by the ops: element counts, broadcasting, axis splits.
public enum Shape {
    /// Number of elements of a shape.
    @inlinable public static func count(_ s: [Int]) -> Int { s.reduce(1, *) }

    /// Row-major strides of a shape.
    public static func strides(_ s: [Int]) -> [Int] {
        var st = [Int](repeating: 1, count: s.count)
        var acc = 1
        for i in stride(from: s.count - 1, through: 0, by: -1) { st[i] = acc; acc *= s[i] }
        return st
    }

    /// The NumPy/PyTorch broadcast of two shapes; stops with both shapes named when they do not broadcast.
    public static func broadcast(_ a: [Int], _ b: [Int], op: String) -> [Int] {
        let r = max(a.count, b.count)
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            let db = i < r - b.count ? 1 : b[i - (r - b.count)]
            check(da == db || da == 1 || db == 1,
                         "\(op): shapes \(a) and \(b) do not broadcast (axis \(i - r): \(da) vs \(db))")
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// Splits a shape around `axis` into (outer, n, inner) extents.
    public static func split(_ s: [Int], axis: Int) -> (outer: Int, n: Int, inner: Int) {
        (count(Array(s[..<axis])), s[axis], count(Array(s[(axis + 1)...])))
    }
}

/// Stops the program with `message` when `condition` is false, in debug and release builds alike.
///
/// The engine's shape and argument checks use this instead of `precondition`, whose message optimised
/// builds drop: a shape mismatch must name both shapes in the build people train and test with.
/// These are programmer errors; input files are validated (with thrown errors) before they reach ops.
@inline(__always)
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
           file: StaticString = #file, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}
