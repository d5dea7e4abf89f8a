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
    let chatLimiter: RateLimiter
    /// Sign-ups per client address: each costs a password hash.
    let signupLimiter: RateLimiter
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
