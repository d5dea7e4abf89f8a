import Vapor

/// The app's long-lived parts, built once in `configure` from `Settings` and handed to controllers
/// through `app.parley`; tests build the app the same way with their own settings.
struct ParleyServices: Sendable {
    let settings: Settings
    let tokens: TokenIssuer
    let hasher: PasswordHasher
    let auth: AuthService
    let users: UserService
    let chat: ChatService
    /// The replies this process generates; every chat route attaches to them.
    let replies: ReplyRuns
    /// Where background work writes (one transaction at a time on SQLite).
    let writer: DatabaseWriter
    let chatLimiter: RateLimiter
    /// Sign-ups per client address: each costs a password hash.
    let signupLimiter: RateLimiter
    /// Checks API keys against their stored hashes (keyed by `SECRET_KEY`).
    let apiKeySecret: APIKeySecret
    let keyUses: KeyUseRecorder

    /// Monthly token budgets: the reservations of the replies running here.
    var budgets: TokenBudgets { replies.budgets }

    /// How often a quiet stream gets a `: keep-alive` comment.
    var keepAlive: Duration { .seconds(settings.sseKeepAliveSeconds) }
}

extension Application {
    private struct ParleyKey: StorageKey { typealias Value = ParleyServices }

    var parley: ParleyServices {
        get {
            guard let services = storage[ParleyKey.self] else { fatalError("configure(_:settings:) has not run") }
            return services
        }
        set { storage[ParleyKey.self] = newValue }
    }
}
