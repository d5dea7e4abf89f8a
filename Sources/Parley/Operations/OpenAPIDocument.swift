/// The OpenAPI 3.1 description of every route. A test checks its paths and methods against the
/// registered routes, so the two cannot drift apart silently.
enum OpenAPIDocument {
    static let document: JSONValue = [
        "openapi": "3.1.0",
        "info": [
            "title": "Parley",
            "version": "0.1.0",
            "description": "A self-hosted chat API server: accounts, conversations and message history in front of a language model.",
        ],
        "paths": .object(paths),
        "components": [
            "schemas": .object(schemas),
            "securitySchemes": [
                "OAuth2PasswordBearer": [
                    "type": "oauth2",
                    "flows": ["password": ["tokenUrl": "/token", "scopes": [:]]],
                ],
            ],
        ],
    ]

    // MARK: Paths

    private static let paths: [(String, JSONValue)] = [
        ("/health", ["get": operation("Liveness", tag: "operations", secured: false,
                                      responses: [("200", ok("Alive", ref("Status")))], errors: [])]),
        ("/ready", ["get": operation("Readiness: the database answers", tag: "operations", secured: false,
                                     responses: [("200", ok("Ready", ref("Status"))),
                                                 ("503", ok("Not ready", ref("Status")))], errors: [])]),
        ("/metrics", ["get": operation("Prometheus metrics (text format)", tag: "operations", secured: false,
                                       responses: [("200", ["description": "Metrics", "content": ["text/plain": ["schema": string]]])],
                                       errors: [])]),
        ("/openapi.json", ["get": operation("This document", tag: "operations", secured: false,
                                            responses: [("200", ok("The OpenAPI document", ["type": "object"]))], errors: [])]),
        ("/", ["get": operation("The chat page (HTML), a client of this API", tag: "page", secured: false,
                                responses: [("200", ["description": "The page", "content": ["text/html": ["schema": string]]]),
                                            ("304", ["description": "Not modified (If-None-Match)"])], errors: [])]),
        ("/assets/{version}/{file}", ["get": operation(
            "A file of the chat page (CSS, JavaScript module, icon), cached for good under its version", tag: "page", secured: false,
            parameters: [["name": "version", "in": "path", "required": true, "schema": string],
                         ["name": "file", "in": "path", "required": true, "schema": string]],
            responses: [("200", ["description": "The file", "content": [
                "text/css": ["schema": string], "text/javascript": ["schema": string], "image/svg+xml": ["schema": string]]]),
                        ("304", ["description": "Not modified (If-None-Match)"])],
            errors: [404])]),
        ("/token", ["post": login]),
        ("/api/v1/login/access-token", ["post": login]),
        ("/api/v1/users/signup", ["post": operation(
            "Create an account (when open registration is enabled)", tag: "users", secured: false,
            body: ref("UserSignup"), responses: [("201", ok("The new user", ref("User")))], errors: [403, 409, 422, 429, 503])]),
        ("/api/v1/users/me", [
            "get": operation("The signed-in user", tag: "users", responses: [("200", ok("The user", ref("User")))], errors: [401, 403]),
            "patch": operation("Update the signed-in user", tag: "users", body: ref("UserUpdateMe"),
                               responses: [("200", ok("The user", ref("User")))], errors: [401, 403, 409, 422]),
            "delete": operation("Delete the signed-in user with their conversations", tag: "users",
                                responses: [("204", noContent)], errors: [401, 403]),
        ]),
        ("/api/v1/users/me/password", ["patch": operation(
            "Change the signed-in user's password; earlier tokens stop working", tag: "users",
            body: ref("PasswordChange"), responses: [("200", ok("Done", ref("MessageResponse")))], errors: [400, 401, 403, 422, 429, 503])]),
        ("/api/v1/users/", [
            "get": operation("All users (superuser)", tag: "users", parameters: pagination(),
                             responses: [("200", list("Users", ref("User")))], errors: [401, 403, 422]),
            "post": operation("Create a user (superuser)", tag: "users", body: ref("UserCreate"),
                              responses: [("201", ok("The new user", ref("User")))], errors: [401, 403, 409, 422]),
        ]),
        ("/api/v1/users/{user_id}", [
            "get": operation("A user (their own record, or any as superuser)", tag: "users", parameters: [pathID("user_id")],
                             responses: [("200", ok("The user", ref("User")))], errors: [401, 403, 404, 422]),
            "patch": operation("Update a user (superuser)", tag: "users", parameters: [pathID("user_id")], body: ref("UserUpdate"),
                               responses: [("200", ok("The user", ref("User")))], errors: [401, 403, 404, 409, 422]),
            "delete": operation("Delete a user with their conversations (superuser)", tag: "users", parameters: [pathID("user_id")],
                                responses: [("204", noContent)], errors: [401, 403, 404, 422]),
        ]),
        ("/api/v1/conversations/", [
            "get": operation("The caller's conversations, most recently updated first", tag: "conversations",
                             parameters: pagination(),
                             responses: [("200", list("Conversations", ref("Conversation")))], errors: [401, 403, 422]),
            "post": operation("Start a conversation", tag: "conversations", body: ref("ConversationCreate"), bodyRequired: false,
                              responses: [("201", ok("The conversation", ref("Conversation")))], errors: [401, 403, 422]),
        ]),
        ("/api/v1/conversations/{conversation_id}", [
            "get": operation("One conversation", tag: "conversations", parameters: [pathID("conversation_id")],
                             responses: [("200", ok("The conversation", ref("Conversation")))], errors: [401, 403, 404, 422]),
            "patch": operation("Rename a conversation and/or switch its current branch", tag: "conversations", parameters: [pathID("conversation_id")],
                               body: ref("ConversationUpdate"),
                               responses: [("200", ok("The conversation", ref("Conversation")))], errors: [401, 403, 404, 422]),
            "delete": operation("Delete a conversation and its messages", tag: "conversations",
                                parameters: [pathID("conversation_id")],
                                responses: [("204", noContent)], errors: [401, 403, 404, 422]),
        ]),
        ("/api/v1/conversations/{conversation_id}/messages", ["get": operation(
            "A conversation's messages, oldest first: its current branch, or with `branch=all` every message of its tree",
            tag: "conversations",
            parameters: [pathID("conversation_id")] + pagination(defaultLimit: Limits.Page.messagesDefaultLimit) + [
                ["name": "branch", "in": "query", "required": false,
                 "schema": ["type": "string", "enum": ["current", "all"], "default": "current"]]],
            responses: [("200", list("Messages", ref("Message")))], errors: [401, 403, 404, 422])]),
        ("/api/v1/conversations/{conversation_id}/export", ["get": operation(
            "Download a conversation: `json` holds every branch (each message with `parent_id`, `status`, `model`, "
                + "`created_at`), `markdown` the current branch, readable. Streamed.",
            tag: "export",
            parameters: [pathID("conversation_id"),
                         ["name": "format", "in": "query", "required": false,
                          "schema": ["type": "string", "enum": ["json", "markdown"], "default": "json"]]],
            responses: [("200", ["description": "The conversation, as an attachment",
                                 "headers": ["Content-Disposition": ["schema": string]],
                                 "content": ["application/json": ["schema": ref("ConversationExport")],
                                             "text/markdown": ["schema": string]]])],
            errors: [401, 403, 404, 422])]),
        ("/api/v1/users/me/export", ["get": operation(
            "Download every conversation of the caller as one JSON array, streamed", tag: "export",
            responses: [("200", ["description": "The conversations, as an attachment",
                                 "headers": ["Content-Disposition": ["schema": string]],
                                 "content": ["application/json": ["schema": ["type": "array", "items": ref("ConversationExport")]]]])],
            errors: [401, 403])]),
        ("/api/v1/conversations/import", ["post": operation(
            "Import conversations from a Parley export (one conversation or the account's array) or a ChatGPT "
                + "`conversations.json`; up to \(Limits.importBytes >> 20) MiB, read as a stream. Each conversation is stored in its own "
                + "transaction with new ids and its timestamps; one that cannot be read or stored is listed in `failed`.",
            tag: "export",
            requestBody: ["required": true, "content": ["application/json": ["schema": ["anyOf": [
                ref("ConversationExport"), ["type": "array", "items": ref("ConversationExport")],
                ["type": "array", "items": ref("ChatGPTConversation")]]]]]],
            responses: [("201", ok("What was imported", ref("ImportResult")))], errors: [401, 403, 422])]),
        ("/api/chat", ["post": operation(
            "Send a turn; it is stored at once and the model's reply is generated by the server, whether or not the client "
                + "stays. With `stream: true` the answer is text/event-stream: `id: N` and `data: {json}` events of type start, "
                + "delta, then done, stopped, interrupted or error. `parent_id` places the turn in the tree (edit); an empty "
                + "`messages` with a user message's `parent_id` regenerates its reply.",
            tag: "chat",
            parameters: [["name": "Idempotency-Key", "in": "header", "required": false,
                          "description": .string("A retry with the same key and body returns the first result; kept \(Int(IdempotencyStore.lifetime) / 3600) hours per user."),
                          "schema": ["type": "string", "minLength": number(Limits.Chat.idempotencyKeyBytes.lowerBound),
                                     "maxLength": number(Limits.Chat.idempotencyKeyBytes.upperBound)]]],
            body: ref("ChatRequest"),
            responses: [("200", [
                "description": "The reply (JSON), or its event stream when `stream` is true",
                "content": [
                    "application/json": ["schema": ref("ChatResponse")],
                    "text/event-stream": ["schema": eventStream],
                ],
            ])],
            errors: [401, 403, 404, 409, 422, 429, 502, 503, 504])]),
        ("/api/chat/{message_id}/stream", ["get": operation(
            "Attach to a reply, live or finished, from any client of its user: its events after `Last-Event-ID` (or `after`)",
            tag: "chat",
            parameters: [pathID("message_id"),
                         ["name": "Last-Event-ID", "in": "header", "required": false,
                          "description": "The id of the last event the client has; only later events are sent.",
                          "schema": ["type": "string", "pattern": "^[0-9]+$"]],
                         ["name": "after", "in": "query", "required": false, "schema": integer(Limits.Chat.after, default: 0)]],
            responses: [("200", ["description": "The reply's events", "content": ["text/event-stream": ["schema": eventStream]]])],
            errors: [401, 403, 404, 422])]),
        ("/api/chat/{message_id}/stop", ["post": operation(
            "Stop a reply being generated, on whichever replica runs it; answers the message once it has ended",
            tag: "chat", parameters: [pathID("message_id")],
            responses: [("200", ok("The message (status stopped, or the end it had already reached)", ref("Message")))],
            errors: [401, 403, 404, 422])]),
        ("/api/v1/users/me/api-keys", [
            "get": operation("The signed-in user's API keys (never their secrets); needs a token, not a key", tag: "api keys",
                             responses: [("200", ok("Keys", ["type": "array", "items": ref("APIKey")]))], errors: [401, 403]),
            "post": operation("Create an API key; its whole text is in this answer only. Needs a token, not a key", tag: "api keys",
                              body: ref("APIKeyCreate"), responses: [("201", ok("The new key", ref("APIKeyCreated")))],
                              errors: [401, 403, 409, 422]),
        ]),
        ("/api/v1/users/me/api-keys/{key_id}", ["delete": operation(
            "Revoke an API key: refused everywhere from the next request. Needs a token, not a key", tag: "api keys",
            parameters: [pathID("key_id")], responses: [("204", noContent)], errors: [401, 403, 404, 422])]),
        ("/api/v1/audit", ["get": operation(
            "The audit log, newest first (superuser): sign-ins, password and email changes, API keys, user administration, budgets. "
                + "`format=jsonl` streams the whole log, one entry per line",
            tag: "audit",
            parameters: pagination() + [
                ["name": "format", "in": "query", "required": false, "schema": ["type": "string", "enum": ["json", "jsonl"], "default": "json"]]],
            responses: [("200", [
                "description": "Entries",
                "headers": ["X-Total-Count": ["description": "How many entries there are in all (json)", "schema": ["type": "integer"]]],
                "content": ["application/json": ["schema": ["type": "array", "items": ref("AuditEntry")]],
                            "application/jsonl": ["schema": string]],
            ])],
            errors: [401, 403, 422])]),
        ("/v1/chat/completions", ["post": operation(
            "OpenAI's Chat Completions API, answered by the configured provider through Parley's chat engine. Stateless unless "
                + "`X-Parley-Conversation` is `new` or a conversation's id: then the turn is stored there like POST /api/chat "
                + "(only the messages after the request's last assistant message are new). With `stream: true`, "
                + "`chat.completion.chunk` events end with `data: [DONE]`. Errors are OpenAI's shape. Signed in by an API key or a token.",
            tag: "openai",
            parameters: [["name": "X-Parley-Conversation", "in": "header", "required": false,
                          "schema": ["type": "string", "description": "`new`, or a conversation's UUID"]]],
            body: ref("OpenAIChatRequest"),
            responses: [("200", [
                "description": "The completion (JSON), or its chunks (event stream) when `stream` is true",
                "headers": ["X-Parley-Conversation": ["description": "The conversation the turn was stored in", "schema": uuid]],
                "content": ["application/json": ["schema": ref("OpenAICompletion")], "text/event-stream": ["schema": eventStream]],
            ])],
            errors: [400, 401, 403, 404, 429, 502, 503, 504], errorSchema: "OpenAIError")]),
        ("/v1/models", ["get": operation(
            "The models the configured provider offers, in OpenAI's shape", tag: "openai",
            responses: [("200", ok("Models", ref("OpenAIModelList")))], errors: [401, 403, 502, 503, 504], errorSchema: "OpenAIError")]),
        ("/api/v1/search", ["get": operation(
            "The caller's messages and conversation titles matching `q`, best first. Words match whole or by prefix, "
                + "ignoring case and accents; `\"quoted phrases\"` match as phrases; `-word` (or `-\"phrase\"`) excludes. "
                + "Any other punctuation is plain text. A reply is findable once it has ended. "
                + "Past \(SearchIndex.rankedMatches) matches, the newest \(SearchIndex.rankedMatches) are ranked best first and older ones follow, newest first.",
            tag: "search",
            parameters: [["name": "q", "in": "query", "required": true, "schema": text(Limits.Search.query)],
                         ["name": "skip", "in": "query", "required": false, "schema": integer(Limits.Page.skip, default: 0)],
                         ["name": "limit", "in": "query", "required": false,
                          "schema": integer(Limits.Search.limit, default: Limits.Search.defaultLimit)]],
            responses: [("200", list("Results", ref("SearchResult")))], errors: [401, 403, 422])]),
        ("/api/v1/models", ["get": operation(
            "The models the configured provider offers", tag: "chat",
            responses: [("200", ok("Models", ["type": "array", "items": ref("Model")]))], errors: [401, 403, 502, 503, 504])]),
    ]

    /// One schema per event, as OpenAPI 3.1 tools read a stream: its fields as text.
    private static let eventStream: JSONValue = [
        "type": "object",
        "properties": ["data": ["type": "string", "description": "The event's JSON"],
                       "event": ["type": "string"], "id": ["type": "string", "description": "The event's number within the reply, from 1"],
                       "retry": ["type": "integer"]],
    ]

    private static let login = operation(
        "Exchange email and password for an access token (OAuth2 password flow)", tag: "auth", secured: false,
        requestBody: [
            "required": true,
            "content": [
                "application/json": ["schema": ref("LoginJSON")],
                "application/x-www-form-urlencoded": ["schema": ref("LoginForm")],
            ],
        ],
        responses: [("200", ok("An access token", ref("Token")))], errors: [400, 422, 429, 503])

    // MARK: Schemas

    private static let string: JSONValue = ["type": "string"]
    private static let uuid: JSONValue = ["type": "string", "format": "uuid"]
    private static let dateTime: JSONValue = ["type": "string", "format": "date-time"]
    private static let email: JSONValue = ["type": "string", "format": "email", "maxLength": number(Limits.User.emailBytes)]
    private static let password = text(Limits.User.password)
    private static let fullName: JSONValue = ["anyOf": [text(Limits.User.fullName), ["type": "null"]]]
    private static let title = text(Limits.Conversation.title)
    private static let nullableString: JSONValue = ["anyOf": [string, ["type": "null"]]]
    /// One of `GET /api/v1/models`; null: `LLM_MODEL`.
    private static let nullableModel: JSONValue = ["anyOf": [text(Limits.Conversation.model), ["type": "null"]]]
    /// Prompt + completion tokens a month; null: unlimited.
    private static let budget: JSONValue = ["anyOf": [integer(Limits.User.monthlyTokenBudget), ["type": "null"]]]
    /// `null` means "leave as it is" (or the default, on create).
    private static let optionalFlag: JSONValue = ["anyOf": [["type": "boolean"], ["type": "null"]]]

    /// Stored text: lengths in code points, and no NUL (PostgreSQL cannot store it).
    private static func text(_ length: ClosedRange<Int>) -> JSONValue {
        ["type": "string", "minLength": number(length.lowerBound), "maxLength": number(length.upperBound), "pattern": "^[^\\u0000]*$"]
    }

    private static func integer(_ range: ClosedRange<Int>, default value: Int? = nil) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("type", "integer"), ("minimum", number(range.lowerBound)), ("maximum", number(range.upperBound))]
        if let value { pairs.append(("default", number(value))) }
        return .object(pairs)
    }

    private static func number(_ value: Int) -> JSONValue { .number(Double(value)) }

    private static let temperature: JSONValue = [
        "type": "number", "minimum": .number(Limits.Chat.temperature.lowerBound), "maximum": .number(Limits.Chat.temperature.upperBound),
    ]
    private static let maxTokens: JSONValue = ["type": "integer", "minimum": number(Limits.Chat.minimumMaxTokens)]

    private static let schemas: [(String, JSONValue)] = [
        ("Status", object(["status": string, "database": string], required: ["status"])),
        ("HTTPError", object(["detail": string], required: ["detail"])),
        ("ValidationError", object([
            "loc": ["type": "array", "items": ["anyOf": [["type": "string"], ["type": "integer"]]]],
            "msg": string, "type": string,
        ], required: ["loc", "msg", "type"])),
        ("HTTPValidationError", object(["detail": ["type": "array", "items": ref("ValidationError")]], required: ["detail"])),
        ("LoginJSON", object(["username": text(Limits.Login.username), "password": text(Limits.Login.password)],
                             required: ["username", "password"])),
        ("LoginForm", object([
            "username": text(Limits.Login.username), "password": text(Limits.Login.password),
            "grant_type": string, "scope": string, "client_id": string, "client_secret": string,
        ], required: ["username", "password"])),
        ("Token", object(["access_token": string, "token_type": ["type": "string", "const": "bearer"], "expires_in": ["type": "integer"]],
                         required: ["access_token", "token_type", "expires_in"])),
        ("User", object(["id": uuid, "email": email, "is_active": ["type": "boolean"], "is_superuser": ["type": "boolean"],
                         "full_name": fullName, "monthly_token_budget": budget,
                         "tokens_used_this_month": ["type": "integer", "description": "On GET /api/v1/users/me only"]],
                        required: ["id", "email", "is_active", "is_superuser", "full_name", "monthly_token_budget"])),
        ("UserSignup", object(["email": email, "password": password, "full_name": fullName], required: ["email", "password"])),
        ("UserCreate", object(["email": email, "password": password, "full_name": fullName,
                               "is_active": optionalFlag, "is_superuser": optionalFlag],
                              required: ["email", "password"])),
        ("UserUpdateMe", object(["email": email, "full_name": fullName], required: [])),
        ("UserUpdate", object(["email": email, "password": password, "full_name": fullName,
                               "is_active": optionalFlag, "is_superuser": optionalFlag, "monthly_token_budget": budget], required: [])),
        ("PasswordChange", object(["current_password": string, "new_password": password],
                                  required: ["current_password", "new_password"])),
        ("MessageResponse", object(["message": string], required: ["message"])),
        ("Conversation", object(["id": uuid, "title": string, "created_at": dateTime, "updated_at": dateTime,
                                 "current_message_id": ["anyOf": [uuid, ["type": "null"]]], "model": nullableModel],
                                required: ["id", "title", "created_at", "updated_at", "current_message_id", "model"])),
        ("ConversationCreate", object(["title": ["anyOf": [title, ["type": "null"]], "default": .string(ConversationRow.defaultTitle)],
                                       "model": nullableModel], required: [])),
        ("ConversationUpdate", object(["title": title, "current_message_id": uuid, "model": nullableModel], required: [])),
        ("APIKey", object(["id": uuid, "name": string, "prefix": string, "created_at": dateTime,
                           "last_used_at": ["anyOf": [dateTime, ["type": "null"]], "description": "Accurate to a minute"]],
                          required: ["id", "name", "prefix", "created_at", "last_used_at"])),
        ("APIKeyCreate", object(["name": text(Limits.APIKey.name)], required: ["name"])),
        ("APIKeyCreated", object(["id": uuid, "name": string, "key": ["type": "string", "pattern": "^pk-"], "prefix": string,
                                  "created_at": dateTime], required: ["id", "name", "key", "prefix", "created_at"])),
        ("AuditEntry", object(["at": dateTime, "actor_id": ["anyOf": [uuid, ["type": "null"]]], "action": string,
                               "target": nullableString, "ip": nullableString, "request_id": nullableString],
                              required: ["at", "actor_id", "action", "target", "ip", "request_id"])),
        ("OpenAIError", object(["error": object(["message": string, "type": string, "param": nullableString, "code": nullableString],
                                                required: ["message", "type", "code"])], required: ["error"])),
        ("OpenAIChatRequest", object([
            "model": string,
            "messages": ["type": "array", "minItems": 1, "items": object([
                "role": ["type": "string", "enum": ["system", "developer", "user", "assistant"]],
                "content": ["anyOf": [string, ["type": "array", "items": object(["type": string, "text": string], required: ["type"])]]],
            ], required: ["role", "content"])],
            "stream": ["type": "boolean", "default": false],
            "stream_options": object(["include_usage": ["type": "boolean"]], required: []),
            "max_tokens": maxTokens, "max_completion_tokens": maxTokens,
            "temperature": temperature,
            "n": ["type": "integer", "const": 1],
            "stop": ["anyOf": [string, ["type": "array", "items": string, "maxItems": number(Limits.Chat.maxStopSequences)], ["type": "null"]],
                     "description": .string("Up to \(Limits.Chat.maxStopSequences) sequences, passed to the provider")],
        ], required: ["messages"])),
        ("OpenAIUsage", object(["prompt_tokens": ["type": "integer"], "completion_tokens": ["type": "integer"], "total_tokens": ["type": "integer"]],
                               required: ["prompt_tokens", "completion_tokens", "total_tokens"])),
        ("OpenAICompletion", object([
            "id": string, "object": ["type": "string", "const": "chat.completion"], "created": ["type": "integer"], "model": string,
            "choices": ["type": "array", "items": object([
                "index": ["type": "integer"],
                "message": object(["role": ["type": "string", "const": "assistant"], "content": string], required: ["role", "content"]),
                "finish_reason": ["type": "string", "enum": ["stop", "length"]],
            ], required: ["index", "message", "finish_reason"])],
            "usage": ref("OpenAIUsage"),
        ], required: ["id", "object", "created", "model", "choices", "usage"])),
        ("OpenAIModelList", object([
            "object": ["type": "string", "const": "list"],
            "data": ["type": "array", "items": object(["id": string, "object": ["type": "string", "const": "model"],
                                                       "created": ["type": "integer"], "owned_by": string],
                                                      required: ["id", "object", "created", "owned_by"])],
        ], required: ["object", "data"])),
        ("ChatMessage", object([
            "role": ["type": "string", "enum": ["system", "user", "assistant"]],
            "content": text(Limits.Chat.content),
        ], required: ["role", "content"])),
        ("ChatRequest", object([
            "conversation_id": ["anyOf": [uuid, ["type": "null"]]],
            "parent_id": ["anyOf": [uuid, ["type": "null"]],
                          "description": "The message this turn follows (absent: the current branch's last; null: a new root)."],
            "messages": ["type": "array", "minItems": number(Limits.Chat.messages.lowerBound), "maxItems": number(Limits.Chat.messages.upperBound),
                         "items": ref("ChatMessage"),
                         "description": "The new messages of this turn; the last must have role user. Empty only to regenerate the reply to `parent_id`."],
            "model": text(Limits.Conversation.model),
            "options": object(["temperature": temperature, "max_tokens": maxTokens], required: []),
            "stream": ["type": "boolean", "default": false],
        ], required: ["messages"])),
        ("Usage", object(["prompt_tokens": ["type": "integer"], "completion_tokens": ["type": "integer"]],
                         required: ["prompt_tokens", "completion_tokens"])),
        ("ChatResponse", object([
            "response": string, "message_id": uuid, "conversation_id": uuid, "model": string, "usage": ref("Usage"),
        ], required: ["response", "message_id", "conversation_id", "model", "usage"])),
        ("Model", object(["id": string, "provider": string], required: ["id", "provider"])),
        ("ExportedMessage", object([
            "id": uuid, "parent_id": ["anyOf": [uuid, ["type": "null"]]],
            "role": ["type": "string", "enum": ["system", "user", "assistant"]], "content": string,
            "status": ["type": "string", "enum": ["streaming", "complete", "stopped", "interrupted"]],
            "model": ["anyOf": [string, ["type": "null"]]], "created_at": dateTime, "usage": ref("Usage"),
        ], required: ["id", "parent_id", "role", "content", "status", "model", "created_at"])),
        ("ConversationExport", object([
            "id": uuid, "title": string, "created_at": dateTime, "updated_at": dateTime,
            "current_message_id": ["anyOf": [uuid, ["type": "null"]]],
            "messages": ["type": "array", "items": ref("ExportedMessage"), "description": "Every message of every branch, in creation order"],
        ], required: ["id", "title", "created_at", "updated_at", "current_message_id", "messages"])),
        ("ChatGPTConversation", object([
            "title": string, "create_time": ["type": "number"], "update_time": ["type": "number"],
            "mapping": ["type": "object", "description": "Nodes by id: {id, message {author {role}, content {content_type, parts}, create_time}, parent, children}"],
            "current_node": string,
        ], required: ["mapping"])),
        ("ImportResult", object([
            "conversations": ["type": "integer"], "messages": ["type": "integer"],
            "skipped": ["type": "integer", "description": "Non-text parts and messages left out"],
            "failed": ["type": "array", "items": object(["index": ["type": "integer"], "detail": string], required: ["index", "detail"])],
        ], required: ["conversations", "messages", "skipped", "failed"])),
        ("SearchResult", object([
            "conversation_id": uuid, "conversation_title": string,
            "message_id": ["anyOf": [uuid, ["type": "null"]], "description": "null for a title match"],
            "role": ["anyOf": [["type": "string", "enum": ["system", "user", "assistant"]], ["type": "null"]]],
            "created_at": dateTime,
            "snippet": ["type": "string", "maxLength": number(Limits.Search.snippetLength), "description": "Plain text around the first match, on one line"],
            "highlights": ["type": "array", "description": "[start, end) code-point ranges of the matches within `snippet`",
                           "items": ["type": "array", "items": ["type": "integer", "minimum": 0], "minItems": 2, "maxItems": 2]],
        ], required: ["conversation_id", "conversation_title", "message_id", "role", "created_at", "snippet", "highlights"])),
        ("Message", object(["id": uuid, "content": string,
                            "role": ["type": "string", "enum": ["system", "user", "assistant"]], "created_at": dateTime,
                            "parent_id": ["anyOf": [uuid, ["type": "null"]]],
                            "status": ["type": "string", "enum": ["streaming", "complete", "stopped", "interrupted"]],
                            "model": string, "usage": ref("Usage")],
                           required: ["id", "content", "role", "created_at", "parent_id", "status"])),
    ]

    // MARK: Builders

    private static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    private static func object(_ properties: KeyValuePairs<String, JSONValue>, required: [String]) -> JSONValue {
        [
            "type": "object",
            "properties": .object(properties.map { ($0.key, $0.value) }),
            "required": .array(required.map(JSONValue.string)),
        ]
    }

    private static func ok(_ description: String, _ schema: JSONValue) -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": schema]]]
    }

    private static func list(_ description: String, _ item: JSONValue) -> JSONValue {
        [
            "description": .string(description),
            "headers": ["X-Total-Count": ["description": "How many items there are in all", "schema": ["type": "integer"]]],
            "content": ["application/json": ["schema": ["type": "array", "items": item]]],
        ]
    }

    private static let noContent: JSONValue = ["description": "Done; no body"]

    private static func pathID(_ name: String) -> JSONValue {
        ["name": .string(name), "in": "path", "required": true, "schema": uuid]
    }

    private static func pagination(defaultLimit: Int = Limits.Page.defaultLimit) -> [JSONValue] {
        [
            ["name": "skip", "in": "query", "required": false, "schema": integer(Limits.Page.skip, default: 0)],
            ["name": "limit", "in": "query", "required": false, "schema": integer(Limits.Page.limit, default: defaultLimit)],
        ]
    }

    private static let errorDescriptions: [Int: String] = [
        400: "Bad request", 401: "Not authenticated, or the token is not valid", 403: "Forbidden",
        404: "Resource not found", 409: "Conflict",
        413: "Body too large (over \(Limits.bodyBytes >> 20) MiB; over \(Limits.importBytes >> 20) MiB for an import)", 422: "Validation error",
        429: "Too many requests", 500: "Internal server error", 502: "The model provider failed or answered garbage",
        503: "Temporarily unavailable (no model provider reachable, or too busy): try again after Retry-After", 504: "The model provider timed out",
    ]

    private static func operation(
        _ summary: String, tag: String, secured: Bool = true, parameters: [JSONValue] = [],
        body: JSONValue? = nil, bodyRequired: Bool = true, requestBody: JSONValue? = nil,
        responses: [(String, JSONValue)], errors: [Int], errorSchema: String? = nil
    ) -> JSONValue {
        var all = responses
        // Any body may be too large.
        let errors = body != nil || requestBody != nil ? (errors + [413]).sorted() : errors
        for code in errors {
            let schema = errorSchema.map(ref) ?? (code == 422 ? ref("HTTPValidationError") : ref("HTTPError"))
            var response = ok(errorDescriptions[code] ?? "Error", schema)
            if code == 401, case var .object(pairs) = response {
                pairs.append(("headers", ["WWW-Authenticate": ["schema": ["type": "string", "const": "Bearer"]]]))
                response = .object(pairs)
            }
            if code == 429 || code == 503, case var .object(pairs) = response {
                pairs.append(("headers", ["Retry-After": ["description": "Seconds to wait", "schema": ["type": "integer"]]]))
                response = .object(pairs)
            }
            all.append((String(code), response))
        }
        var pairs: [(String, JSONValue)] = [("summary", .string(summary)), ("tags", [.string(tag)])]
        if secured { pairs.append(("security", [["OAuth2PasswordBearer": []]])) }
        if !parameters.isEmpty { pairs.append(("parameters", .array(parameters))) }
        if let requestBody {
            pairs.append(("requestBody", requestBody))
        } else if let body {
            pairs.append(("requestBody", ["required": .bool(bodyRequired), "content": ["application/json": ["schema": body]]]))
        }
        pairs.append(("responses", .object(all)))
        return .object(pairs)
    }
}
