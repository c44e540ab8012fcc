import COpenBLAS
import Foundation

/// The matmul micro-benchmark behind `alip bench matmul`: the op (`Tensor.matmul`, output allocation
/// included) against raw `cblas_sgemm` into a preallocated buffer, on the GEMM shapes of one training step
/// of the tiny benchmark model (../shared/bench: B = 128, ViT 32 px patch 4 → 65 tokens, width 128,
/// MLP 512, text context 32, 4 heads of width 32).
public enum MatmulBenchmark {
    /// One GEMM shape: `batch` products of `op(A)` (M×K) by `op(B)` (K×N).
    public struct Case: Sendable, Equatable {
        /// What the product is in the model (for example "vision c_fc fwd").
        public var name: String
        /// Independent products (1 for a plain GEMM; B·heads for attention).
        public var batch: Int
        /// Rows of the output.
        public var m: Int
        /// Columns of the output.
        public var n: Int
        /// The contracted extent.
        public var k: Int
        /// Whether A is stored transposed (`[K, M]`).
        public var transposeA: Bool
        /// Whether B is stored transposed (`[N, K]`).
        public var transposeB: Bool

        /// A shape to benchmark.
        public init(_ name: String, batch: Int = 1, m: Int, n: Int, k: Int, transposeA: Bool = false, transposeB: Bool = false) {
            self.name = name; self.batch = batch; self.m = m; self.n = n; self.k = k
            self.transposeA = transposeA; self.transposeB = transposeB
        }

        /// Floating-point operations of the case (2 per multiply-add).
        public var flops: Double { 2 * Double(batch) * Double(m) * Double(n) * Double(k) }
    }

    /// The measured times of one case (medians over the repetitions, milliseconds per product).
    public struct Row: Sendable {
        /// The shape.
        public var shape: Case
        /// Median time of `Tensor.matmul`, output allocation included.
        public var opMs: Double
        /// Median time of raw `cblas_sgemm` into a preallocated output.
        public var rawMs: Double
        /// GFLOP/s of the op.
        public var opGFlops: Double { shape.flops / (opMs * 1e6) }
        /// GFLOP/s of raw sgemm.
        public var rawGFlops: Double { shape.flops / (rawMs * 1e6) }
        /// op throughput / raw throughput (1 = no overhead): the median over rounds of raw time / op time
        /// in the same round.
        public var ratio: Double

        /// A measured row.
        public init(shape: Case, opMs: Double, rawMs: Double, ratio: Double) {
            self.shape = shape; self.opMs = opMs; self.rawMs = rawMs; self.ratio = ratio
        }
    }

    /// The GEMMs of one training step of the tiny model: for each linear layer the forward product
    /// (`x Wᵀ`, W stored `[out, in]`), the input gradient (`g W`) and the weight gradient (`gᵀ x`); the
    /// attention products (`Q Kᵀ`, `P V`) and their backward products; the patch embedding and the logits.
    public static func tinyModelCases(batch b: Int = 128) -> [Case] {
        let width = 128, mlp = 512, heads = 4, headWidth = 32, embed = 128
        let visionTokens = 65, textTokens = 32, patches = 64, patchDim = 3 * 4 * 4
        var cases: [Case] = []
        func linear(_ tower: String, _ layer: String, rows: Int, inF: Int, outF: Int) {
            cases.append(Case("\(tower) \(layer) fwd", m: rows, n: outF, k: inF, transposeB: true))
            cases.append(Case("\(tower) \(layer) dX", m: rows, n: inF, k: outF))
            cases.append(Case("\(tower) \(layer) dW", m: outF, n: inF, k: rows, transposeA: true))
        }
        func attention(_ tower: String, tokens t: Int) {
            let bh = b * heads
            cases.append(Case("\(tower) attn QKᵀ", batch: bh, m: t, n: t, k: headWidth, transposeB: true))
            cases.append(Case("\(tower) attn PV", batch: bh, m: t, n: headWidth, k: t))
            cases.append(Case("\(tower) attn dV=PᵀdO", batch: bh, m: t, n: headWidth, k: t, transposeA: true))
            cases.append(Case("\(tower) attn dP=dOVᵀ", batch: bh, m: t, n: t, k: headWidth, transposeB: true))
            cases.append(Case("\(tower) attn dQ=dSK", batch: bh, m: t, n: headWidth, k: t))
            cases.append(Case("\(tower) attn dK=dSᵀQ", batch: bh, m: t, n: headWidth, k: t, transposeA: true))
        }
        for (tower, tokens) in [("vision", visionTokens), ("text", textTokens)] {
            let rows = b * tokens
            linear(tower, "in_proj", rows: rows, inF: width, outF: 3 * width)
            linear(tower, "out_proj", rows: rows, inF: width, outF: width)
            linear(tower, "c_fc", rows: rows, inF: width, outF: mlp)
            linear(tower, "c_proj", rows: rows, inF: mlp, outF: width)
            attention(tower, tokens: tokens)
        }
        cases.append(Case("patch embed fwd", m: b * patches, n: width, k: patchDim, transposeB: true))
        cases.append(Case("patch embed dW", m: width, n: patchDim, k: b * patches, transposeA: true))
        cases.append(Case("projection fwd", m: b, n: embed, k: width))
        cases.append(Case("logits V·Tᵀ", m: b, n: b, k: embed, transposeB: true))
        return cases
    }

    /// Times every case: after `warmup` untimed rounds, `repeats` rounds, each running enough op/raw pairs
    /// to last about `minRoundSeconds` per side.
    public static func run(_ cases: [Case], repeats: Int = 15, warmup: Int = 3, minRoundSeconds: Double = 0.02,
                           seed: UInt64 = 0) -> [Row] {
        var gen = RandomGenerator(seed: seed)
        return cases.map { c in
            let a = Tensor.randn(c.batch == 1 ? (c.transposeA ? [c.k, c.m] : [c.m, c.k])
                                               : (c.transposeA ? [c.batch, c.k, c.m] : [c.batch, c.m, c.k]),
                                 generator: &gen)
            let b = Tensor.randn(c.batch == 1 ? (c.transposeB ? [c.n, c.k] : [c.k, c.n])
                                               : (c.transposeB ? [c.batch, c.n, c.k] : [c.batch, c.k, c.n]),
                                 generator: &gen)
            var out = [Float](repeating: 0, count: c.batch * c.m * c.n)
            let op = { _ = Tensor.matmul(a, b, transposeA: c.transposeA, transposeB: c.transposeB) }
            let raw = {
                a.withPointer { pa in b.withPointer { pb in out.withUnsafeMutableBufferPointer { po in
                    rawSgemm(c, pa, pb, po.baseAddress!)
                } } }
            }
            // Calibrate the products per round on one op call.
            let once = seconds(1, op)
            let inner = Swift.max(1, Int((minRoundSeconds / Swift.max(once, 1e-7)).rounded(.up)))
            for _ in 0..<warmup { for _ in 0..<inner { op(); raw() } }
            // Op and raw calls alternate one by one and are timed separately, so a burst of load from other
            // processes hits both alike; the ratio is the median of the per-round ratios.
            var opTimes: [Double] = [], rawTimes: [Double] = [], ratios: [Double] = []
            for _ in 0..<Swift.max(1, repeats) {
                var tOp = 0.0, tRaw = 0.0
                for _ in 0..<inner { tOp += seconds(1, op); tRaw += seconds(1, raw) }
                opTimes.append(tOp / Double(inner))
                rawTimes.append(tRaw / Double(inner))
                ratios.append(tRaw / tOp)
            }
            return Row(shape: c, opMs: median(opTimes) * 1e3, rawMs: median(rawTimes) * 1e3, ratio: median(ratios))
        }
    }

    /// Raw `cblas_sgemm` for a case into `c`; batched cases split their products over the engine's threads
    /// exactly as the op does (one single-threaded OpenBLAS call per product), so the ratio isolates the
    /// op's overhead rather than the batching strategy.
    public static func rawSgemm(_ cs: Case, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                _ c: UnsafeMutablePointer<Float>) {
        let (m, n, k) = (cs.m, cs.n, cs.k)
        let lda = cs.transposeA ? m : k, ldb = cs.transposeB ? k : n
        let ta = cs.transposeA ? CblasTrans : CblasNoTrans, tb = cs.transposeB ? CblasTrans : CblasNoTrans
        let one = { (i: Int) in
            cblas_sgemm(CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), 1, a + i * m * k, Int32(lda),
                        b + i * k * n, Int32(ldb), 0, c + i * m * n, Int32(n))
        }
        if cs.batch == 1 { one(0); return }
        if m * n * k > Kernels.openBLASSingleThreadLimit || Engine.threads == 1 {
            for i in 0..<cs.batch { one(i) }
            return
        }
        let t = Swift.min(Engine.threads, cs.batch)
        let per = (cs.batch + t - 1) / t
        let work = UncheckedSendable(one)
        DispatchQueue.concurrentPerform(iterations: t) { w in
            for i in (w * per)..<Swift.min(cs.batch, (w + 1) * per) { work.value(i) }
        }
    }

    /// The median of some values (the mean of the middle two for an even count).
    public static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        guard !s.isEmpty else { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Wall-clock seconds of `times` calls of `body` (monotonic clock).
    public static func seconds(_ times: Int = 1, _ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<times { body() }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
