/// A small, seeded, reproducible random number generator (xoshiro256** seeded through SplitMix64).
///
/// Used for initialisation, data shuffling and augmentation, so a run is determined by its seed.
/// Its full state can be saved and restored (`state`), which checkpoints use for exact resume.
public struct RandomGenerator: RandomNumberGenerator, Sendable, Equatable {
    /// The four 64-bit words of the xoshiro256** state.
    public var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose stream is fixed by `seed`.
    public init(seed: UInt64) {
        var sm = seed
        func splitmix() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    /// Restores a generator from a saved state (see `stateWords`).
    public init(stateWords w: [UInt64]) {
        check(w.count == 4, "RandomGenerator: state needs 4 words, got \(w.count)")
        state = (w[0], w[1], w[2], w[3])
    }

    /// The state as four words (for checkpoints). These words are the whole state: no deviate is cached
    /// between calls, so a generator restored from them continues exactly where the saved one stood.
    public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

    /// Two generators are equal when they will produce the same stream.
    public static func == (a: RandomGenerator, b: RandomGenerator) -> Bool { a.stateWords == b.stateWords }

    @inline(__always) private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = Self.rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = Self.rotl(state.3, 45)
        return result
    }

    /// A uniform Float in [0, 1) (24 random bits).
    public mutating func nextUniform() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// A uniform Double in [0, 1) (53 random bits).
    public mutating func nextDouble() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    /// A uniform integer in `0..<n` (n > 0).
    public mutating func nextInt(below n: Int) -> Int {
        check(n > 0, "nextInt(below:) needs n > 0")
        return Int(next(upperBound: UInt64(n)))
    }

    /// A standard normal deviate (Box–Muller; the second deviate of the pair is discarded so that no
    /// state hides outside `stateWords`).
    public mutating func nextNormal() -> Float { nextNormalPair().0 }

    /// Two independent standard normal deviates (Box–Muller on two uniforms).
    public mutating func nextNormalPair() -> (Float, Float) {
        var u1 = nextDouble()
        while u1 <= .leastNormalMagnitude { u1 = nextDouble() }
        let u2 = nextDouble()
        let r = (-2 * log(u1)).squareRoot()
        let theta = 2 * Double.pi * u2
        return (Float(r * cos(theta)), Float(r * sin(theta)))
    }

    /// Fills `buffer` with N(mean, std²) deviates, using both outputs of each Box–Muller pair (an odd
    /// last element discards its partner). The same state and count always give the same values.
    public mutating func fillNormal(_ buffer: UnsafeMutableBufferPointer<Float>, mean: Float = 0, std: Float = 1) {
        var i = 0
        let n = buffer.count
        while i < n {
            let (a, b) = nextNormalPair()
            buffer[i] = mean + std * a
            if i + 1 < n { buffer[i + 1] = mean + std * b }
            i += 2
        }
    }

    /// A uniformly random permutation of `0..<n` (Fisher–Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 { for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, nextInt(below: i + 1)) } }
        return p
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
