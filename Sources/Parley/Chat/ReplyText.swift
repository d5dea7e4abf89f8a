/// A reply's text and where each of its `delta` events ended, so that an event id names a point
/// in the text on any replica: a client that resumes after event N gets exactly the text it lacks.
///
/// Event ids count from 1 within a reply: `start` is 1, the k-th delta is k + 1, the terminal
/// event (`done`, `stopped`, `interrupted`, `error`) is `deltaCount + 2`.
struct ReplyText: Sendable, Equatable {
    private(set) var text = ""
    /// The UTF-8 length of the text after each delta.
    private(set) var ends: [Int] = []

    init() {}

    /// Rebuilt from the stored columns; boundaries that do not fit the text are dropped.
    init(text: String, encodedEnds: String) {
        self.text = text
        let length = text.utf8.count
        var previous = 0
        for part in encodedEnds.split(separator: ",") {
            guard let end = Int(part), end > previous, end <= length else { continue }
            ends.append(end)
            previous = end
        }
        if previous < length { ends.append(length) }  // text saved without its boundary: one more delta
    }

    static let startID = 1
    var deltaCount: Int { ends.count }
    /// The id of the last delta (the start's when there is none).
    var lastDeltaID: Int { ends.count + 1 }
    var terminalID: Int { ends.count + 2 }

    /// Appends one delta; returns its event id.
    mutating func append(_ piece: String) -> Int {
        text += piece
        ends.append(text.utf8.count)
        return lastDeltaID
    }

    /// The text that follows event `id`: all of it after the start (or before it), nothing after the last delta.
    func text(after id: Int) -> Substring {
        let from = id <= Self.startID ? 0 : id - 2 < ends.count ? ends[id - 2] : text.utf8.count
        return Substring(text.utf8[text.utf8.index(text.utf8.startIndex, offsetBy: from)...])
    }

    /// The boundaries as stored: decimal UTF-8 offsets separated by commas.
    var encodedEnds: String { ends.lazy.map(String.init).joined(separator: ",") }
}
