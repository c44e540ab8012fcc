import Testing
import Tensor

/// Shape errors are programmer errors: they stop the process with both shapes in the message, never
/// a silent wrong broadcast. Each runs in a child process (exit tests).
@Suite("Shape preconditions")
struct PreconditionTests {
    @Test func broadcastMismatchNamesBothShapes() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([3, 4]) + Tensor.zeros([2, 4])
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("[3, 4]") && text.contains("[2, 4]"), "\(text)")
    }

    @Test func matmulInnerMismatchNamesBothShapes() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 5]))
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("[2, 3]") && text.contains("[4, 5]"), "\(text)")
    }

    @Test func secondBackwardWithoutRetainGraphStops() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let x = Tensor(shape: [2], data: [1, 2], requiresGrad: true)
            let y = (x * x).sum()
            y.backward()
            y.backward()
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("retainGraph"), "\(text)")
    }
}
