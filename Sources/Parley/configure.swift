import AsyncHTTPClient
import Fluent
import FluentPostgresDriver
import Prometheus
import Vapor

/// Wires an application from validated settings: database, services, routes, middleware.
/// `provider` replaces the one `LLM_PROVIDER` names (tests and embedders pass their own);
/// `metrics` is the registry `/metrics` shows, the one swift-metrics was bootstrapped with.
public func configure(
    _ app: Application, settings: Settings, provider: (any LLMProvider)? = nil,
    metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
) async throws {
    app.logger.logLevel = settings.logLevel
    SecretKeyStore.warnIfShort(settings.secretKey, logger: app.logger)
    app.http.server.configuration.hostname = settings.host
    app.http.server.configuration.port = settings.port
    // On SIGTERM Vapor stops accepting and lets in-flight requests finish; streamed replies can
    // run long, so they get more than Vapor's default 10 seconds.
    app.http.server.configuration.shutdownTimeout = .seconds(60)
    // Vapor's only hook on slow clients (an IdleStateHandler): it closes a connection that stops
    // sending, before or mid-request, not one that trickles a byte at a time (no header or body
    // deadline exists in Vapor 4); the reverse proxy's timeouts cover that.
    app.http.server.configuration.idleTimeout = .milliseconds(Int64(settings.httpIdleTimeoutSeconds * 1000))
    // Vapor refuses a body that reaches its maximum; the contract refuses one over the limit.
    app.routes.defaultMaxBodySize = ByteCount(value: Limits.bodyBytes + 1)
    let databasePool = try DatabaseSetup.register(settings.database, poolSize: settings.databasePoolSize, wait: settings.databaseWaitSeconds, on: app)

    let hasher = try PasswordHasher(
        cost: settings.passwordHashCost, threads: settings.passwordHashThreads, maxWait: settings.passwordHashMaxWaitSeconds)
    app.lifecycle.use(PasswordHasherShutdown(hasher: hasher))
    let tokens = await TokenIssuer(secret: settings.secretKey, lifetime: settings.accessTokenLifetime)
    let chat = ChatService(
        provider: provider ?? settings.makeProvider(client: ProviderHTTPClient.make(for: app, settings: settings)),
        systemPrompt: settings.llmSystemPrompt, contextTokens: settings.llmContextTokens,
        defaultModel: settings.defaultModel, metrics: ChatMetrics(registry: metrics))
    let writer = DatabaseWriter(database: { [unowned app] in app.db }, queue: settings.database.isSQLite ? WriteQueue() : nil)
    // Each process names itself in the replies it generates, so their leases are its own.
    var listen: PostgresConnection.Configuration?
    if case let .postgres(url) = settings.database { listen = try? SQLPostgresConfiguration(url: url).coreConfiguration }
    var replyStore = ReplyStore(writer: writer, owner: UUID().lowercasedString)
    replyStore.notifies = listen != nil
    let replies = ReplyRuns(chat: chat, store: replyStore, listen: listen, logger: app.logger)
    app.lifecycle.use(ReplyRunsLifecycle(replies: replies))
    app.parley = ParleyServices(
        settings: settings,
        tokens: tokens,
        hasher: hasher,
        auth: AuthService(hasher: hasher, tokens: tokens, limiter: RateLimiter(limit: settings.loginRateLimit, window: 15 * 60)),
        users: UserService(hasher: hasher, passwordCheckLimiter: RateLimiter(limit: settings.loginRateLimit, window: 15 * 60)),
        chat: chat,
        replies: replies,
        writer: writer,
        chatLimiter: RateLimiter(limit: settings.chatRateLimit, window: 60),
        signupLimiter: RateLimiter(limit: settings.signupRateLimit, window: 60 * 60),
        apiKeySecret: APIKeySecret(serverSecret: settings.secretKey),
        keyUses: KeyUseRecorder(writer: writer, logger: app.logger)
    )
    app.lifecycle.use(IdempotencyKeySweeper())
    app.lifecycle.use(AuditPruner(retentionDays: settings.auditRetentionDays))

    try routes(app)
    try app.register(collection: MetricsController(registry: metrics, databasePool: DatabasePoolGauges(activity: databasePool, registry: metrics)))

    // Replaces Vapor's defaults: errors must take the contract's shapes, and CORS headers must
    // reach error responses too, so CORS sits outside the error middleware.
    app.middleware = Middlewares()
    // Outside everything else, so every response, CORS preflights and errors included, gets
    // an id and the security headers, and every request one log line.
    app.middleware.use(RequestIDMiddleware())
    app.middleware.use(RequestLogMiddleware(level: .debug))
    app.middleware.use(SecurityHeadersMiddleware())
    if !settings.corsOrigins.isEmpty {
        app.middleware.use(CORSMiddleware(configuration: .init(
            allowedOrigin: settings.corsOrigins == ["*"] ? .all : .any(settings.corsOrigins),
            allowedMethods: [.GET, .POST, .PATCH, .DELETE, .OPTIONS],
            allowedHeaders: [.accept, .authorization, .contentType, .origin, "Idempotency-Key"],
            exposedHeaders: [HTTPHeaders.Name("X-Total-Count"), .retryAfter, HTTPHeaders.Name("X-Request-ID")]
        )))
    }
    app.middleware.use(APIErrorMiddleware(routes: RouteTable(app.routes.all)))

    app.asyncCommands.use(CreateUserCommand(), as: "create-user")
}

/// Brings the schema up to date, names look-alike accounts left by it (`EmailCollisions`) and
/// ensures the configured first superuser. `parley serve` and
/// `parley create-user` run it so a first start just works; `parley migrate` leaves it to Fluent.
public func prepareDatabase(_ app: Application) async throws {
    let settings = app.parley.settings
    try await DatabaseSetup.tuneSQLite(settings.database, on: app)
    try await app.autoMigrate()
    try await EmailCollisions.warn(on: app.db.sql, logger: app.logger)
    if let superuser = settings.firstSuperuser {
        try await app.parley.users.ensureSuperuser(
            email: superuser.email, password: superuser.password, on: app.db.sql, logger: app.logger)
    }
}

/// Starts the replies' background work once the app has booted; on shutdown, drains what is
/// still running (`drainReplies` normally did that already, before the server stopped).
private struct ReplyRunsLifecycle: LifecycleHandler {
    let replies: ReplyRuns

    func didBootAsync(_ application: Application) async throws {
        replies.startBackground()
    }

    func shutdownAsync(_ application: Application) async {
        await replies.drain(grace: .zero)
    }
}

/// On SIGTERM, before the HTTP server stops: running replies finish, up to
/// `SHUTDOWN_GRACE_SECONDS`, while their clients stay attached; the rest are saved as interrupted.
public func drainReplies(_ app: Application) async {
    await app.parley.replies.drain(grace: .milliseconds(Int64(app.parley.settings.shutdownGraceSeconds * 1000)))
}

private struct PasswordHasherShutdown: LifecycleHandler {
    let hasher: PasswordHasher

    func shutdownAsync(_ application: Application) async {
        await hasher.shutdown()
    }
}
