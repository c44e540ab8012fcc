import Testing
import Tensor
import TestSupport

/// Results must not depend on the thread count: every chunk of a parallel kernel computes exactly
/// what the single-threaded loop computes.
@Suite("Threads", .serialized)
struct ThreadingTests {
    /// Runs `body` with `Engine.threads = 1` and `= 2`, restoring the previous setting.
    func bothThreadCounts(_ body: () -> [Float]) -> ([Float], [Float]) {
        let old = Engine.threads
        defer { Engine.threads = old }
        Engine.threads = 1
        let one = body()
        Engine.threads = 2
        let two = body()
        return (one, two)
    }

    @Test func settingThreads() {
        let old = Engine.threads
        defer { Engine.threads = old }
        Engine.threads = 3
        #expect(Engine.threads == 3)
        Engine.threads = 0
        #expect(Engine.threads == 1)
    }

    @Test func elementwiseAndReductionsIndependentOfThreads() {
        let n = 4 * Engine.parallelThreshold + 17         // well above the parallel threshold
        let x = randomTensor([n], seed: 21), y = randomTensor([n], seed: 22)
        let (a, b) = bothThreadCounts {
            let t = ((x * y + x).exp().tanh() + x.gelu() + x.quickGelu()).sigmoid()
            return t.data + (x * 2).data + x.reshaped([n / 1, 1]).sum(axes: [1]).data
        }
        #expect(a == b)
    }

    @Test func rowKernelsIndependentOfThreads() {
        let x = randomTensor([512, 300], seed: 23), w = randomTensor([300], seed: 24), bias = randomTensor([300], seed: 25)
        let (a, b) = bothThreadCounts {
            x.softmax().data + x.logSoftmax().data + Tensor.layerNorm(x, weight: w, bias: bias).data
                + x.sum(axes: [1]).data + x.sum(axes: [0]).data + x.reshaped([4, 128, 300]).sum(axes: [1]).data
                + x.amax(axis: 0).data + x.reshaped([128, 4, 300]).amax(axis: 1).data
        }
        #expect(a == b)
    }

    @Test func gradientsIndependentOfThreads() {
        let (a, b) = bothThreadCounts {
            let x = randomInput([256, 200], seed: 26), w = randomInput([200], seed: 27), bias = randomInput([200], seed: 28)
            let y = Tensor.layerNorm(x, weight: w, bias: bias).gelu().softmax()
            let loss = Tensor.crossEntropy(y, targets: (0..<256).map { $0 % 200 })
            loss.backward()
            return x.grad!.data + w.grad!.data + bias.grad!.data
        }
        #expect(a == b)
    }

    @Test func batchedAttentionIndependentOfThreads() {
        // Small per-head GEMMs run single-threaded inside OpenBLAS whichever way the batch is split.
        let q = randomTensor([8, 4, 33, 16], seed: 31), k = randomTensor([8, 4, 33, 16], seed: 32)
        let v = randomTensor([8, 4, 33, 16], seed: 33)
        let (x, y) = bothThreadCounts {
            Tensor.attention(q, k, v, causal: true).data + Tensor.matmul(q.reshaped([32, 33, 16]), k.reshaped([32, 33, 16]),
                                                                         transposeB: true).data
        }
        #expect(x == y, "max diff \(maxDiff(x, y))")
    }

    @Test func largeMatmulAgreesAcrossThreads() {
        // A threaded OpenBLAS GEMM partitions the output differently from the single-threaded one and its
        // edge kernels round differently, so agreement is to float32 round-off, not bitwise.
        let a = randomTensor([300, 128], seed: 29), w = randomTensor([128, 257], seed: 30)
        let (x, y) = bothThreadCounts { Tensor.matmul(a, w).data }
        #expect(close(x, y, atol: 1e-5, rtol: 1e-5), "max diff \(maxDiff(x, y))")
    }
}

@Suite("Engine info")
struct EngineInfoTests {
    @Test func blasCoreNameIsReported() {
        let name = Engine.blasCoreName
        #expect(name != nil && !(name ?? "").isEmpty)
    }
}
