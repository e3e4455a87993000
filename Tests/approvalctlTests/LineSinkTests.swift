import ApprovalCLI
import Foundation
import Testing

/// `LineSink`: lines written from many threads at once all arrive whole, once each, each thread's
/// in the order it wrote them, whichever thread ends up writing them.
@Suite struct LineSinkTests {
    @Test(arguments: [1, 8])
    func linesFromManyThreadsArriveWholeAndInOrder(threads: Int) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("line-sink-\(UUID()).log").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o600)
        try #require(descriptor >= 0)
        let sink = LineSink(descriptor: descriptor)
        let perThread = 2_000
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for line in 0..<perThread {
                // Lengths vary (up to about 1 KB), so batches do not line up with any size.
                let padding = String(repeating: "x", count: (thread * 31 + line * 17) % 1_000)
                sink.write(Array("thread=\(thread) line=\(line) \(padding)\n".utf8))
            }
        }
        close(descriptor)

        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(text.hasSuffix("\n"))
        #expect(lines.count == threads * perThread)
        var next = [Int](repeating: 0, count: threads)
        for line in lines {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard fields.count == 3, let thread = Int(fields[0].dropFirst("thread=".count)),
                let number = Int(fields[1].dropFirst("line=".count)), thread < threads
            else {
                Issue.record("a torn or foreign line: \(line.prefix(80))")
                return
            }
            #expect(number == next[thread], "thread \(thread)'s lines out of order")
            #expect(fields[2].count == (thread * 31 + number * 17) % 1_000)
            next[thread] = number + 1
        }
        #expect(next == [Int](repeating: perThread, count: threads))
    }
}
