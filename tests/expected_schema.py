"""The documented schema of the earlier StageSub system (ORIGINAL_BEHAVIOUR.md §1), written out by hand.

The schema tests compare a freshly migrated database against these lists, so a model change that drops or
renames a documented column fails loudly.
"""

CENTRAL = {
    "Orchestra": [
        "id", "orchestraId", "name", "subdomain", "contactName", "contactEmail", "databaseUrl", "status", "plan",
        "maxMusicians", "maxProjects", "pricePerMonth", "logoUrl", "resendApiKey", "emailFromAddress",
        "emailFromName", "emailReplyTo", "twilioAccountSid", "twilioAuthToken", "twilioFromNumber", "smsOnRequest",
        "smsOnReminder", "smsOnConfirmation", "smsOnPositionFilled", "smsOnGroupEmail", "features",
        "primaryColor", "secondaryColor", "customDomain", "faviconUrl", "apiKey", "webhookUrl", "webhookSecret",
        "createdAt", "updatedAt",
    ],
    "User": [
        "id", "username", "email", "passwordHash", "role", "orchestraId", "active", "isArchived", "lastLogin",
        "localResident", "preferredLanguage",
    ],
    "Customer": ["id", "name", "subdomain", "databaseUrl", "status", "contactEmail", "plan", "createdAt", "updatedAt"],
    "SystemLog": [
        "id", "timestamp", "level", "category", "message", "metadata", "userId", "orchestraId", "subdomain", "ip",
        "userAgent", "requestId", "duration",
    ],
}

CENTRAL_ADDITIVE = ["UserSession", "LoginAttempt", "ApiKey"]

ORCHESTRA = {
    "Musician": [
        "id", "musicianId", "firstName", "lastName", "email", "phone", "preferredLanguage", "localResidence",
        "notes", "isActive", "isArchived", "archivedAt", "restoredAt", "createdAt", "updatedAt",
    ],
    "Instrument": ["id", "instrumentId", "name", "displayOrder", "isArchived", "archivedAt"],
    "Position": ["id", "positionId", "instrumentId", "name", "hierarchyLevel"],
    "MusicianQualification": ["musicianId", "positionId"],
    "RankingList": ["id", "rankingListId", "positionId", "listType", "description", "version"],
    "Ranking": ["id", "rankingId", "listId", "musicianId", "rank"],
    "Project": [
        "id", "projectId", "name", "startDate", "weekNumber", "rehearsalSchedule", "concertInfo", "notes",
        "createdAt", "updatedAt",
    ],
    "ProjectNeed": [
        "id", "projectNeedId", "projectId", "positionId", "quantity", "rankingListId", "customRankingListId",
        "requestStrategy", "maxRecipients", "responseTimeHours", "requireLocalResidence", "status", "archivedAt",
    ],
    "Request": [
        "id", "requestId", "projectNeedId", "musicianId", "status", "sentAt", "reminderSentAt", "respondedAt",
        "response", "confirmationSent",
    ],
    "RequestToken": ["token", "requestId", "createdAt", "expiresAt", "usedAt"],
    "EmailTemplate": ["id", "emailTemplateId", "type", "subject", "body", "variables", "createdAt", "updatedAt"],
    "CommunicationLog": ["id", "communicationLogId", "requestId", "type", "timestamp", "emailContent"],
    "ProjectFile": [
        "id", "projectFileId", "projectId", "projectNeedId", "fileName", "originalFileName", "mimeType", "fileUrl",
        "fileType", "sendTiming", "uploadedAt",
    ],
    "FileStorage": [
        "id", "fileName", "originalName", "mimeType", "size", "content", "projectId", "needId", "createdAt",
    ],
    "GroupEmailLog": [
        "id", "projectId", "subject", "message", "recipients", "sentCount", "failedCount", "filters", "createdAt",
    ],
    "CustomRankingList": [
        "id", "customListId", "projectId", "positionId", "name", "isTemplate", "templateName", "createdAt",
        "updatedAt",
    ],
    "CustomRanking": ["id", "customListId", "musicianId", "rank", "addedAt"],
    "Settings": ["id", "key", "value", "description", "createdAt", "updatedAt"],
    "IdSequence": ["id", "entityType", "lastNumber", "updatedAt"],
    "DeletedIds": ["id", "entityType", "deletedId", "deletedAt"],
    "AuditLog": [
        "id", "auditLogId", "userId", "action", "entityType", "entityId", "oldValues", "newValues", "timestamp",
    ],
}

UNIQUE = {
    "Orchestra": [("orchestraId",), ("subdomain",), ("apiKey",)],
    "User": [("username",), ("email",)],
    "Musician": [("musicianId",), ("email",)],
    "Instrument": [("instrumentId",), ("name",)],
    "Position": [("positionId",), ("instrumentId", "name")],
    "RankingList": [("rankingListId",), ("positionId", "listType")],
    "Ranking": [("listId", "musicianId"), ("listId", "rank")],
    "CustomRanking": [("customListId", "musicianId"), ("customListId", "rank")],
    "EmailTemplate": [("type",)],
    "Settings": [("key",)],
    "IdSequence": [("entityType",)],
    "DeletedIds": [("entityType", "deletedId")],
}
