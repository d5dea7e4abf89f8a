import Vapor

func routes(_ app: Application) throws {
    try app.register(collection: HealthController())
    try app.register(collection: OpenAPIController())
    try app.register(collection: AuthController())
    try app.register(collection: UsersController())
    try app.register(collection: ConversationsController())
    try app.register(collection: ChatController())
    try app.register(collection: APIKeysController())
    try app.register(collection: AuditController())
    try app.register(collection: OpenAIController())
    try app.register(collection: SearchController())
    try app.register(collection: ExportController())
    try app.register(collection: ImportController())
    try app.register(collection: WebController(openRegistration: app.parley.settings.openRegistration))
}
