/// One server-sent event.
public struct ServerSentEvent: Sendable, Equatable {
    public var event: String
    public var data: String
    public var id: String?

    public init(event: String = "message", data: String, id: String? = nil) {
        self.event = event
        self.data = data
        self.id = id
    }
}

/// Server-sent events per the WHATWG rules, fed bytes in chunks split anywhere: CR, LF and CRLF
/// line ends (a CRLF may straddle two chunks), comment lines, multi-line `data`, a leading BOM.
/// Pure: no I/O, so it is tested byte by byte.
public struct SSEParser: Sendable {
    private let maxLineBytes: Int
    private var line: [UInt8] = []
    private var lastWasCR = false
    private var atStart = true
    private var eventType = ""
    private var data = ""
    private var hasData = false
    private var lastEventID: String?

    /// `maxLineBytes` bounds a line and an event's data: beyond it the stream fails.
    public init(maxLineBytes: Int = StreamLimit.lineBytes) {
        self.maxLineBytes = maxLineBytes
    }

    public mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if lastWasCR {
                lastWasCR = false
                if byte == UInt8(ascii: "\n") { continue }
            }
            switch byte {
            case UInt8(ascii: "\r"):
                lastWasCR = true
                if let event = try endLine() { events.append(event) }
            case UInt8(ascii: "\n"):
                if let event = try endLine() { events.append(event) }
            default:
                line.append(byte)
                if line.count > maxLineBytes { throw StreamLimit.lineTooLong(maxLineBytes) }
            }
        }
        return events
    }

    /// At the end of the stream an event not closed by a blank line is dropped, as WHATWG says.
    public mutating func finish() -> [ServerSentEvent] {
        line.removeAll()
        return []
    }

    private mutating func endLine() throws -> ServerSentEvent? {
        var text = String(decoding: line, as: UTF8.self)
        line.removeAll(keepingCapacity: true)
        if atStart {
            atStart = false
            if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        }
        if text.isEmpty { return dispatch() }
        if text.hasPrefix(":") { return nil }
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
        } else {
            field = Substring(text)
            value = ""
        }
        switch field {
        case "event": eventType = String(value)
        case "data":
            if hasData { data.append("\n") }
            data.append(contentsOf: value)
            hasData = true
            // Many short data lines add up to one event, which is held whole until it ends.
            if data.utf8.count > maxLineBytes { throw StreamLimit.lineTooLong(maxLineBytes) }
        case "id" where !value.contains("\u{0}"): lastEventID = String(value)
        default: break
        }
        return nil
    }

    private mutating func dispatch() -> ServerSentEvent? {
        defer {
            eventType = ""
            data = ""
            hasData = false
        }
        guard hasData else { return nil }
        return ServerSentEvent(event: eventType.isEmpty ? "message" : eventType, data: data, id: lastEventID)
    }
}

/// Newline-delimited JSON lines (Ollama's stream), fed bytes in chunks split anywhere.
public struct LineSplitter: Sendable {
    private let maxLineBytes: Int
    private var line: [UInt8] = []

    public init(maxLineBytes: Int = StreamLimit.lineBytes) {
        self.maxLineBytes = maxLineBytes
    }

    public mutating func feed(_ bytes: some Sequence<UInt8>) throws -> [String] {
        var lines: [String] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if let text = take() { lines.append(text) }
            } else {
                line.append(byte)
                if line.count > maxLineBytes { throw StreamLimit.lineTooLong(maxLineBytes) }
            }
        }
        return lines
    }

    /// The last line, when the stream did not end with a newline.
    public mutating func finish() -> [String] {
        take().map { [$0] } ?? []
    }

    private mutating func take() -> String? {
        defer { line.removeAll(keepingCapacity: true) }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
