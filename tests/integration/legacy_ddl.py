"""DDL in the style of the earlier StageSub system (Prisma on PostgreSQL), written for the adoption tests.

Quoted UpperCamelCase tables, TEXT business ids, SERIAL integer ids, TIMESTAMP(3) without time zone, JSONB,
unique indexes named like Prisma's. Deliberately incomplete the way real earlier databases were: no
IdSequence/DeletedIds/AuditLog tables, no sequence rows, ``ProjectNeed`` without ``requireLocalResidence``,
``User`` without ``createdAt``/``updatedAt``.
"""

ORCHESTRA_DDL = """
CREATE TABLE "Musician" (
    "id" SERIAL NOT NULL, "musicianId" TEXT NOT NULL, "firstName" TEXT NOT NULL, "lastName" TEXT NOT NULL,
    "email" TEXT NOT NULL, "phone" TEXT, "preferredLanguage" TEXT DEFAULT 'sv',
    "localResidence" BOOLEAN NOT NULL DEFAULT false, "notes" TEXT, "isActive" BOOLEAN NOT NULL DEFAULT true,
    "isArchived" BOOLEAN NOT NULL DEFAULT false, "archivedAt" TIMESTAMP(3), "restoredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Musician_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "Musician_musicianId_key" ON "Musician"("musicianId");
CREATE UNIQUE INDEX "Musician_email_key" ON "Musician"("email");
CREATE TABLE "Instrument" (
    "id" SERIAL NOT NULL, "instrumentId" TEXT NOT NULL, "name" TEXT NOT NULL, "displayOrder" INTEGER,
    "isArchived" BOOLEAN NOT NULL DEFAULT false, "archivedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Instrument_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "Instrument_instrumentId_key" ON "Instrument"("instrumentId");
CREATE UNIQUE INDEX "Instrument_name_key" ON "Instrument"("name");
CREATE TABLE "Position" (
    "id" SERIAL NOT NULL, "positionId" TEXT NOT NULL, "instrumentId" INTEGER NOT NULL, "name" TEXT NOT NULL,
    "hierarchyLevel" INTEGER NOT NULL, "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL, CONSTRAINT "Position_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "Position_instrumentId_fkey" FOREIGN KEY ("instrumentId") REFERENCES "Instrument"("id")
        ON DELETE CASCADE ON UPDATE CASCADE);
CREATE UNIQUE INDEX "Position_positionId_key" ON "Position"("positionId");
CREATE UNIQUE INDEX "Position_instrumentId_name_key" ON "Position"("instrumentId", "name");
CREATE TABLE "MusicianQualification" (
    "musicianId" INTEGER NOT NULL, "positionId" INTEGER NOT NULL,
    CONSTRAINT "MusicianQualification_pkey" PRIMARY KEY ("musicianId", "positionId"),
    CONSTRAINT "MusicianQualification_musicianId_fkey" FOREIGN KEY ("musicianId") REFERENCES "Musician"("id"),
    CONSTRAINT "MusicianQualification_positionId_fkey" FOREIGN KEY ("positionId") REFERENCES "Position"("id"));
CREATE TABLE "RankingList" (
    "id" SERIAL NOT NULL, "rankingListId" TEXT NOT NULL, "positionId" INTEGER NOT NULL, "listType" TEXT NOT NULL,
    "description" TEXT, "version" INTEGER NOT NULL DEFAULT 1,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "RankingList_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "RankingList_positionId_fkey" FOREIGN KEY ("positionId") REFERENCES "Position"("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "RankingList_rankingListId_key" ON "RankingList"("rankingListId");
CREATE UNIQUE INDEX "RankingList_positionId_listType_key" ON "RankingList"("positionId", "listType");
CREATE TABLE "Ranking" (
    "id" SERIAL NOT NULL, "rankingId" TEXT NOT NULL, "listId" INTEGER NOT NULL, "musicianId" INTEGER NOT NULL,
    "rank" INTEGER NOT NULL, "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL, CONSTRAINT "Ranking_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "Ranking_listId_fkey" FOREIGN KEY ("listId") REFERENCES "RankingList"("id") ON DELETE CASCADE,
    CONSTRAINT "Ranking_musicianId_fkey" FOREIGN KEY ("musicianId") REFERENCES "Musician"("id"));
CREATE UNIQUE INDEX "Ranking_rankingId_key" ON "Ranking"("rankingId");
CREATE UNIQUE INDEX "Ranking_listId_musicianId_key" ON "Ranking"("listId", "musicianId");
CREATE UNIQUE INDEX "Ranking_listId_rank_key" ON "Ranking"("listId", "rank");
CREATE TABLE "Project" (
    "id" SERIAL NOT NULL, "projectId" TEXT NOT NULL, "name" TEXT NOT NULL, "startDate" TIMESTAMP(3) NOT NULL,
    "weekNumber" INTEGER NOT NULL, "rehearsalSchedule" TEXT, "concertInfo" TEXT, "notes" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Project_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "Project_projectId_key" ON "Project"("projectId");
CREATE TABLE "CustomRankingList" (
    "id" SERIAL NOT NULL, "customListId" TEXT NOT NULL, "projectId" INTEGER NOT NULL, "positionId" INTEGER NOT NULL,
    "name" TEXT NOT NULL, "isTemplate" BOOLEAN NOT NULL DEFAULT false, "templateName" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "CustomRankingList_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "CustomRankingList_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE,
    CONSTRAINT "CustomRankingList_positionId_fkey" FOREIGN KEY ("positionId") REFERENCES "Position"("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "CustomRankingList_customListId_key" ON "CustomRankingList"("customListId");
CREATE TABLE "CustomRanking" (
    "id" SERIAL NOT NULL, "customListId" INTEGER NOT NULL, "musicianId" INTEGER NOT NULL, "rank" INTEGER NOT NULL,
    "addedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, CONSTRAINT "CustomRanking_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "CustomRanking_customListId_fkey" FOREIGN KEY ("customListId") REFERENCES "CustomRankingList"("id") ON DELETE CASCADE,
    CONSTRAINT "CustomRanking_musicianId_fkey" FOREIGN KEY ("musicianId") REFERENCES "Musician"("id"));
CREATE TABLE "ProjectNeed" (
    "id" SERIAL NOT NULL, "projectNeedId" TEXT NOT NULL, "projectId" INTEGER NOT NULL, "positionId" INTEGER NOT NULL,
    "quantity" INTEGER NOT NULL DEFAULT 1, "rankingListId" INTEGER, "customRankingListId" INTEGER,
    "requestStrategy" TEXT NOT NULL, "maxRecipients" INTEGER, "responseTimeHours" INTEGER DEFAULT 24,
    "status" TEXT NOT NULL DEFAULT 'active', "archivedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "ProjectNeed_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "ProjectNeed_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id"),
    CONSTRAINT "ProjectNeed_positionId_fkey" FOREIGN KEY ("positionId") REFERENCES "Position"("id") ON DELETE CASCADE,
    CONSTRAINT "ProjectNeed_rankingListId_fkey" FOREIGN KEY ("rankingListId") REFERENCES "RankingList"("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "ProjectNeed_projectNeedId_key" ON "ProjectNeed"("projectNeedId");
CREATE TABLE "Request" (
    "id" SERIAL NOT NULL, "requestId" TEXT NOT NULL, "projectNeedId" INTEGER NOT NULL, "musicianId" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending', "sentAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "reminderSentAt" TIMESTAMP(3), "respondedAt" TIMESTAMP(3), "response" TEXT,
    "confirmationSent" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Request_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "Request_projectNeedId_fkey" FOREIGN KEY ("projectNeedId") REFERENCES "ProjectNeed"("id") ON DELETE CASCADE,
    CONSTRAINT "Request_musicianId_fkey" FOREIGN KEY ("musicianId") REFERENCES "Musician"("id"));
CREATE UNIQUE INDEX "Request_requestId_key" ON "Request"("requestId");
CREATE TABLE "RequestToken" (
    "token" TEXT NOT NULL, "requestId" INTEGER NOT NULL, "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL, "usedAt" TIMESTAMP(3), CONSTRAINT "RequestToken_pkey" PRIMARY KEY ("token"),
    CONSTRAINT "RequestToken_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "Request"("id") ON DELETE CASCADE);
CREATE TABLE "EmailTemplate" (
    "id" SERIAL NOT NULL, "emailTemplateId" TEXT NOT NULL, "type" TEXT NOT NULL, "subject" TEXT NOT NULL,
    "body" TEXT NOT NULL, "variables" JSONB, "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL, CONSTRAINT "EmailTemplate_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "EmailTemplate_emailTemplateId_key" ON "EmailTemplate"("emailTemplateId");
CREATE UNIQUE INDEX "EmailTemplate_type_key" ON "EmailTemplate"("type");
CREATE TABLE "CommunicationLog" (
    "id" SERIAL NOT NULL, "communicationLogId" TEXT NOT NULL, "requestId" INTEGER NOT NULL, "type" TEXT NOT NULL,
    "timestamp" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, "emailContent" TEXT,
    CONSTRAINT "CommunicationLog_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "CommunicationLog_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "Request"("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "CommunicationLog_communicationLogId_key" ON "CommunicationLog"("communicationLogId");
CREATE TABLE "GroupEmailLog" (
    "id" SERIAL NOT NULL, "projectId" INTEGER, "subject" TEXT NOT NULL, "message" TEXT NOT NULL,
    "recipients" JSONB NOT NULL, "sentCount" INTEGER NOT NULL, "failedCount" INTEGER NOT NULL, "filters" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, CONSTRAINT "GroupEmailLog_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "GroupEmailLog_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE SET NULL);
CREATE TABLE "FileStorage" (
    "id" TEXT NOT NULL, "fileName" TEXT NOT NULL, "originalName" TEXT NOT NULL, "mimeType" TEXT NOT NULL,
    "size" INTEGER NOT NULL, "content" BYTEA NOT NULL, "projectId" INTEGER, "needId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, CONSTRAINT "FileStorage_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "FileStorage_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE);
CREATE TABLE "ProjectFile" (
    "id" SERIAL NOT NULL, "projectFileId" TEXT NOT NULL, "projectId" INTEGER NOT NULL, "projectNeedId" INTEGER,
    "fileName" TEXT NOT NULL, "originalFileName" TEXT, "mimeType" TEXT, "fileUrl" TEXT NOT NULL,
    "fileType" TEXT NOT NULL, "sendTiming" TEXT NOT NULL DEFAULT 'on_request',
    "uploadedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, CONSTRAINT "ProjectFile_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "ProjectFile_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id"),
    CONSTRAINT "ProjectFile_projectNeedId_fkey" FOREIGN KEY ("projectNeedId") REFERENCES "ProjectNeed"("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "ProjectFile_projectFileId_key" ON "ProjectFile"("projectFileId");
CREATE TABLE "Settings" (
    "id" SERIAL NOT NULL, "key" TEXT NOT NULL, "value" TEXT NOT NULL, "description" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Settings_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "Settings_key_key" ON "Settings"("key");
"""

ORCHESTRA_ROWS = """
INSERT INTO "Instrument" ("instrumentId", "name", "displayOrder", "updatedAt") VALUES
    ('INST001', 'Violin', 1, CURRENT_TIMESTAMP), ('INST002', 'Viola', 2, CURRENT_TIMESTAMP);
INSERT INTO "Position" ("positionId", "instrumentId", "name", "hierarchyLevel", "updatedAt") VALUES
    ('POS001', 1, 'Förste konsertmästare', 1, CURRENT_TIMESTAMP), ('POS002', 1, 'Tutti violin 1', 4, CURRENT_TIMESTAMP),
    ('POS003', 2, 'Stämledare', 1, CURRENT_TIMESTAMP);
INSERT INTO "Musician" ("musicianId", "firstName", "lastName", "email", "phone", "updatedAt") VALUES
    ('MUS001', 'Karin', 'Öberg', 'karin.oberg@example.se', '0701234567', CURRENT_TIMESTAMP),
    ('MUS002', 'Johan', 'Ek', 'johan.ek@example.se', NULL, CURRENT_TIMESTAMP);
INSERT INTO "MusicianQualification" ("musicianId", "positionId") VALUES (1, 1), (1, 2), (2, 3);
INSERT INTO "RankingList" ("rankingListId", "positionId", "listType", "description", "updatedAt") VALUES
    ('RANK001', 1, 'A', 'A-lista', CURRENT_TIMESTAMP);
INSERT INTO "Ranking" ("rankingId", "listId", "musicianId", "rank", "updatedAt") VALUES
    ('ckrank0000000000000000001', 1, 1, 1, CURRENT_TIMESTAMP);
INSERT INTO "Project" ("projectId", "name", "startDate", "weekNumber", "updatedAt") VALUES
    ('PROJ001', 'Brahms 2', '2026-03-02 09:00:00.000', 10, CURRENT_TIMESTAMP);
INSERT INTO "ProjectNeed" ("projectNeedId", "projectId", "positionId", "quantity", "rankingListId",
    "requestStrategy", "updatedAt") VALUES ('NEED001', 1, 1, 1, 1, 'sequential', CURRENT_TIMESTAMP);
INSERT INTO "Request" ("requestId", "projectNeedId", "musicianId", "status", "sentAt", "updatedAt") VALUES
    ('REQ001', 1, 1, 'pending', '2026-02-20 08:00:00.123', CURRENT_TIMESTAMP);
INSERT INTO "RequestToken" ("token", "requestId", "expiresAt") VALUES
    ('ckoldtoken00000000000001', 1, '2026-02-21 08:00:00.123');
INSERT INTO "EmailTemplate" ("emailTemplateId", "type", "subject", "body", "updatedAt") VALUES
    ('TMPL001', 'request', 'Förfrågan', 'Hej {{firstName}}', CURRENT_TIMESTAMP);
INSERT INTO "Settings" ("key", "value", "updatedAt") VALUES ('reminder_percentage', '60', CURRENT_TIMESTAMP);
"""

CENTRAL_DDL = """
CREATE TABLE "Orchestra" (
    "id" TEXT NOT NULL, "orchestraId" TEXT NOT NULL, "name" TEXT NOT NULL, "subdomain" TEXT NOT NULL,
    "contactName" TEXT NOT NULL, "contactEmail" TEXT NOT NULL, "databaseUrl" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending', "plan" TEXT NOT NULL DEFAULT 'medium',
    "maxMusicians" INTEGER NOT NULL DEFAULT 200, "maxProjects" INTEGER NOT NULL DEFAULT 20,
    "pricePerMonth" INTEGER NOT NULL DEFAULT 4990, "logoUrl" TEXT, "resendApiKey" TEXT,
    "emailFromAddress" TEXT DEFAULT 'no-reply@stagesub.com', "emailFromName" TEXT, "emailReplyTo" TEXT,
    "twilioAccountSid" TEXT, "twilioAuthToken" TEXT, "twilioFromNumber" TEXT,
    "smsOnRequest" BOOLEAN NOT NULL DEFAULT false, "smsOnReminder" BOOLEAN NOT NULL DEFAULT false,
    "smsOnConfirmation" BOOLEAN NOT NULL DEFAULT false, "smsOnPositionFilled" BOOLEAN NOT NULL DEFAULT false,
    "smsOnGroupEmail" BOOLEAN NOT NULL DEFAULT false, "features" JSONB NOT NULL DEFAULT '{}',
    "primaryColor" TEXT DEFAULT '#3B82F6', "secondaryColor" TEXT DEFAULT '#1E40AF', "customDomain" TEXT,
    "faviconUrl" TEXT, "apiKey" TEXT, "webhookUrl" TEXT, "webhookSecret" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Orchestra_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "Orchestra_orchestraId_key" ON "Orchestra"("orchestraId");
CREATE UNIQUE INDEX "Orchestra_subdomain_key" ON "Orchestra"("subdomain");
CREATE UNIQUE INDEX "Orchestra_apiKey_key" ON "Orchestra"("apiKey");
CREATE TABLE "User" (
    "id" TEXT NOT NULL, "username" TEXT NOT NULL, "email" TEXT NOT NULL, "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'user', "orchestraId" TEXT, "active" BOOLEAN NOT NULL DEFAULT true,
    "isArchived" BOOLEAN NOT NULL DEFAULT false, "lastLogin" TIMESTAMP(3),
    "localResident" BOOLEAN NOT NULL DEFAULT false, "preferredLanguage" TEXT DEFAULT 'sv',
    CONSTRAINT "User_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "User_orchestraId_fkey" FOREIGN KEY ("orchestraId") REFERENCES "Orchestra"("id") ON DELETE CASCADE);
CREATE UNIQUE INDEX "User_username_key" ON "User"("username");
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
CREATE INDEX "User_orchestraId_idx" ON "User"("orchestraId");
CREATE TABLE "Customer" (
    "id" TEXT NOT NULL, "name" TEXT NOT NULL, "subdomain" TEXT NOT NULL, "databaseUrl" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active', "contactEmail" TEXT NOT NULL, "plan" TEXT NOT NULL DEFAULT 'small',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Customer_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "Customer_subdomain_key" ON "Customer"("subdomain");
CREATE TABLE "SystemLog" (
    "id" TEXT NOT NULL, "timestamp" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, "level" TEXT NOT NULL,
    "category" TEXT NOT NULL, "message" TEXT NOT NULL, "metadata" JSONB, "userId" TEXT, "orchestraId" TEXT,
    "subdomain" TEXT, "ip" TEXT, "userAgent" TEXT, "requestId" TEXT, "duration" INTEGER,
    CONSTRAINT "SystemLog_pkey" PRIMARY KEY ("id"));
CREATE INDEX "SystemLog_timestamp_idx" ON "SystemLog"("timestamp");
"""
