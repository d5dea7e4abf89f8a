/// Every limit the API states, stated once. The validators, the body-size configuration and
/// `OpenAPIDocument` read these, so the document cannot promise what the server does not do;
/// `LimitTests` sends each maximum and one past it over HTTP. Lengths are Unicode code points,
/// as the contract counts them, unless a name says bytes.
enum Limits {
    /// Any request body; past it 413. The import route has its own (`importBytes`).
    static let bodyBytes = 1 << 20
    /// `POST /api/v1/conversations/import`, read as a stream, so its size does not cost memory.
    static let importBytes = 512 << 20

    /// `?skip=&limit=` of every list.
    enum Page {
        /// Up to PostgreSQL's 32-bit `OFFSET` range; nobody pages that far in practice.
        static let skip = 0...Int(Int32.max)
        static let limit = 1...1000
        static let defaultLimit = 100
        /// A conversation's messages come whole by default: the page shows them all at once.
        static let messagesDefaultLimit = 1000
    }

    enum User {
        static let password = 8...128
        /// Nullable; an empty name is allowed.
        static let fullName = 0...255
        /// RFC 5321's limits on an address, in UTF-8 bytes.
        static let emailBytes = 254
        static let emailLocalPartBytes = 64
        /// Prompt + completion tokens a month: up to a trillion.
        static let monthlyTokenBudget = 0...1_000_000_000_000
    }

    /// `POST /token`: looser than sign-up (it only has to find an account), but bounded, so a
    /// request cannot make the server hash a megabyte.
    enum Login {
        /// RFC 3696's longest address: 64 + 1 + 255.
        static let username = 1...320
        static let password = 1...1024
    }

    enum Conversation {
        /// After trimming.
        static let title = 1...255
        /// A model name, as `GET /api/v1/models` lists them.
        static let model = 1...200
    }

    enum Chat {
        static let content = 1...100_000
        /// New messages in one turn; none only to regenerate.
        static let messages = 0...1000
        static let temperature: ClosedRange<Double> = 0...2
        static let minimumMaxTokens = 1
        /// `Idempotency-Key`: visible ASCII, counted in bytes.
        static let idempotencyKeyBytes = 1...255
        /// `GET /api/chat/{id}/stream?after=`: an event number.
        static let after = Page.skip
        /// `stop` on `/v1/chat/completions`, as OpenAI allows.
        static let maxStopSequences = 4
    }

    enum Search {
        /// After trimming.
        static let query = 1...500
        /// API.md's list limits: a page reads only its own entries' text, so a long one costs its
        /// own size, not the index's.
        static let limit = 1...1000
        static let defaultLimit = 20
        /// Of a result's `snippet`, which the server writes.
        static let snippetLength = 300
    }

    enum APIKey {
        /// After trimming.
        static let name = 1...100
        /// Enough for every tool a person uses, few enough to list at once; past it 409.
        static let perUser = 100
    }
}
