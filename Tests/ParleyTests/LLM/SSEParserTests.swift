import Testing
@testable import Parley

@Suite struct SSEParserTests {
    private func parse(_ chunks: [[UInt8]]) -> [ServerSentEvent] {
        var parser = SSEParser()
        return chunks.flatMap { parser.feed($0) } + parser.finish()
    }

    private let stream = "\u{FEFF}: a comment\r\ndata: first\r\n\r\nevent: custom\ndata:second line one\ndata: line two\nid: 7\n\n: keep-alive\n\ndata\n\nretry: 100\ndata: {\"x\": \"é🦜\"}\r\r"

    private let expected = [
        ServerSentEvent(data: "first"),
        ServerSentEvent(event: "custom", data: "second line one\nline two", id: "7"),
        ServerSentEvent(data: "", id: "7"),
        ServerSentEvent(data: "{\"x\": \"é🦜\"}", id: "7"),
    ]

    @Test func wholeStream() {
        #expect(parse([Array(stream.utf8)]) == expected)
    }

    @Test func splitAtEveryByteOffset() {
        let bytes = Array(stream.utf8)
        for cut in 0...bytes.count {
            #expect(parse([Array(bytes[..<cut]), Array(bytes[cut...])]) == expected, "cut at \(cut)")
        }
    }

    @Test func oneByteAtATime() {
        #expect(parse(Array(stream.utf8).map { [$0] }) == expected)
    }

    @Test func anUnfinishedEventIsDropped() {
        #expect(parse([Array("data: done\n\ndata: half".utf8)]) == [ServerSentEvent(data: "done")])
    }

    @Test func linesSplitAnywhere() {
        let bytes = Array("{\"a\":1}\r\n\n{\"b\":\"ü\"}\n{\"c\":3}".utf8)
        for cut in 0...bytes.count {
            var splitter = LineSplitter()
            let lines = splitter.feed(bytes[..<cut]) + splitter.feed(bytes[cut...]) + splitter.finish()
            #expect(lines == ["{\"a\":1}", "{\"b\":\"ü\"}", "{\"c\":3}"], "cut at \(cut)")
        }
    }
}
