import Fluent
import Vapor

/// Wires an application from validated settings: database, services, routes, middleware.
public func configure(_ app: Application, settings: Settings) async throws {
    var settings = settings
    settings.secretKey = try SecretKeyStore.resolve(settings)

    app.logger.logLevel = settings.logLevel
    app.http.server.configuration.hostname = settings.host
    app.http.server.configuration.port = settings.port
    app.routes.defaultMaxBodySize = "1mb"
    try DatabaseSetup.register(settings.database, on: app)

    let hasher = try PasswordHasher(cost: settings.passwordHashCost, threadPool: app.threadPool)
    let tokens = await TokenIssuer(secret: settings.secretKey!, lifetime: settings.accessTokenLifetime)
    app.parley = ParleyServices(
        settings: settings,
        tokens: tokens,
        hasher: hasher,
        auth: AuthService(hasher: hasher, tokens: tokens, limiter: LoginRateLimiter(limit: settings.loginRateLimit)),
        users: UserService(hasher: hasher)
    )

    try routes(app)

    // Replaces Vapor's defaults: errors must take the contract's shapes, and CORS headers must
    // reach error responses too, so CORS sits outermost.
    app.middleware = Middlewares()
    if !settings.corsOrigins.isEmpty {
        app.middleware.use(CORSMiddleware(configuration: .init(
            allowedOrigin: settings.corsOrigins == ["*"] ? .all : .any(settings.corsOrigins),
            allowedMethods: [.GET, .POST, .PATCH, .DELETE, .OPTIONS],
            allowedHeaders: [.accept, .authorization, .contentType, .origin, "Idempotency-Key"],
            exposedHeaders: ["X-Total-Count", "Retry-After"]
        )))
    }
    app.middleware.use(RouteLoggingMiddleware(logLevel: .debug))
    app.middleware.use(APIErrorMiddleware(routes: RouteTable(app.routes.all)))

    app.asyncCommands.use(CreateUserCommand(), as: "create-user")
}

/// Brings the schema up to date and ensures the configured first superuser. `parley serve` and
/// `parley create-user` run it so a first start just works; `parley migrate` leaves it to Fluent.
public func prepareDatabase(_ app: Application) async throws {
    let settings = app.parley.settings
    try await DatabaseSetup.tuneSQLite(settings.database, on: app)
    try await app.autoMigrate()
    if let superuser = settings.firstSuperuser {
        try await app.parley.users.ensureSuperuser(email: superuser.email, password: superuser.password, on: app.db)
    }
}
