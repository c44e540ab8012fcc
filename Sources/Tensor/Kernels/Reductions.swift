extension Kernels {
    /// The partial sums of the vectorised row reductions: lane `l` accumulates the elements at
    /// positions ≡ l (mod 16), then the lanes are added and the tail (n mod 16 elements) follows in
    /// order. A plain `for` loop sum is one chain of n dependent adds, which the compiler may not
    /// reorder (float addition is not associative), so it runs at one add per 4 cycles; this runs 16
    /// at a time. The order depends on `n` alone, never on threads, so results are reproducible; they
    /// differ from the serial sum by float32 round-off only.
    public typealias ReductionLanes = SIMD16<Float>

    /// 16 consecutive elements from `p + j` (no alignment needed).
    @inline(__always)
    static func lanes(_ p: UnsafePointer<Float>, _ j: Int) -> ReductionLanes {
        UnsafeRawPointer(p + j).loadUnaligned(as: ReductionLanes.self)
    }

    /// `Σ x[j]`, j < n, in the lane order of ``ReductionLanes``.
    @inline(__always)
    public static func sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = ReductionLanes(repeating: 0), j = 0
        while j + 16 <= n { acc += lanes(x, j); j += 16 }
        var s = acc.sum()
        while j < n { s += x[j]; j += 1 }
        return s
    }

    /// `Σ (x[j] − c)²`, j < n (the variance numerator of a layer norm), in the lane order of
    /// ``ReductionLanes``.
    @inline(__always)
    public static func sumOfSquaredDeviations(_ x: UnsafePointer<Float>, from c: Float, _ n: Int) -> Float {
        var acc = ReductionLanes(repeating: 0), j = 0
        let cv = ReductionLanes(repeating: c)
        while j + 16 <= n { let t = lanes(x, j) - cv; acc += t * t; j += 16 }
        var s = acc.sum()
        while j < n { let t = x[j] - c; s += t * t; j += 1 }
        return s
    }

    /// `Σ x[j]·y[j]`, j < n, in the lane order of ``ReductionLanes``.
    @inline(__always)
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = ReductionLanes(repeating: 0), j = 0
        while j + 16 <= n { acc += lanes(x, j) * lanes(y, j); j += 16 }
        var s = acc.sum()
        while j < n { s += x[j] * y[j]; j += 1 }
        return s
    }

    /// `max x[j]`, j < n (−∞ for n = 0). Exact in any order, so this is the serial maximum, vectorised.
    @inline(__always)
    public static func maximum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = ReductionLanes(repeating: -.infinity), j = 0
        while j + 16 <= n { let v = lanes(x, j); acc.replace(with: v, where: v .> acc); j += 16 }
        var m = acc.max()
        while j < n { m = Swift.max(m, x[j]); j += 1 }
        return m
    }
}
