// Names for the schemas of docs/openapi.json. Everything here is generated from the contract, so a change
// to the API that the app does not follow fails `npm run typecheck` (and so the build).
import type { components, paths } from "./schema";

type Schemas = components["schemas"];

export type ApiPaths = paths;
export type AuthResponse = Schemas["AuthResponse"];
export type User = Schemas["UserOut"];
export type ProfileUpdate = Schemas["ProfileUpdate"];
export type Job = Schemas["JobOut"];
export type JobStatus = Job["status"];
export type ProgressStage = NonNullable<Job["progress_stage"]>;
export type JobPage = Schemas["JobPage"];
export type JobValues = Schemas["JobValues"];
export type LabReport = Schemas["LabReport"];
export type LabValue = Schemas["LabValue"];
export type InvalidField = Schemas["InvalidField"];
export type ReportWarning = Schemas["ReportWarning"];
export type ReviewedValues = Schemas["ReviewedValues"];
export type ReviewedValue = Schemas["ReviewedValue"];
export type SuppliedValue = Schemas["SuppliedValue"];
export type Result = Schemas["ResultOut"];
export type Risk = Schemas["RiskResult"];
export type RiskTier = Risk["risk_tier"];
export type Explanation = Schemas["Explanation"];
export type LocalizedText = Schemas["LocalizedText"];
export type ResultSummary = Schemas["ResultSummary"];
export type ResultPage = Schemas["ResultPage"];
export type UploadAccepted = Schemas["UploadAccepted"];
export type ErrorDetail = Schemas["ErrorDetail"];
export type Sex = NonNullable<User["sex"]>;
export type AdminUser = Schemas["AdminUser"];
export type AdminJob = Schemas["AdminJob"];
export type AuditEntry = Schemas["AuditEntry"];
export type AdminStats = Schemas["Stats"];
export type RuntimeSettings = Schemas["SettingsOut"];
export type RuntimeOverrides = Schemas["RuntimeOverrides"];
export type ShareLink = Schemas["ShareLinkOut"];
export type ShareLinkCreated = Schemas["ShareLinkCreated"];
export type ShareCreate = Schemas["ShareCreate"];
export type ShareAccess = Schemas["ShareAccessOut"];
export type SharedView = Schemas["SharedView"];
export type SharedResult = Schemas["SharedResult"];
