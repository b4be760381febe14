from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class RegisterRequest(BaseModel):
    email: EmailStr
    password: str = Field(min_length=1, max_length=1024, description="8–128 characters, letters and digits")


class LoginRequest(BaseModel):
    email: EmailStr
    password: str = Field(min_length=1, max_length=1024)


class RefreshRequest(BaseModel):
    refresh_token: str | None = Field(
        default=None,
        min_length=1,
        max_length=512,
        description="Omit to use the session cookie (then the X-Requested-With header is required)",
    )


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024, description="The password rules of registration")


class AccountDeletion(BaseModel):
    password: str = Field(min_length=1, max_length=1024, description="The account's password, again")


class PasswordResetRequest(BaseModel):
    email: EmailStr


class PasswordResetConfirm(BaseModel):
    token: str = Field(min_length=1, max_length=512, description="From the link in the reset email")
    new_password: str = Field(min_length=1, max_length=1024)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    role: str
    created_at: datetime
    sex: Literal["female", "male"] | None
    birth_date: date | None
    height_cm: float | None
    weight_kg: float | None


class ProfileUpdate(BaseModel):
    """Model inputs a report often lacks; send null to clear a field."""

    model_config = ConfigDict(extra="forbid")

    sex: Literal["female", "male"] | None = None
    birth_date: date | None = None
    height_cm: float | None = Field(default=None, ge=40, le=250)
    weight_kg: float | None = Field(default=None, ge=2, le=400)


class AuthResponse(BaseModel):
    access_token: str
    refresh_token: str | None = Field(
        description="Also set as an HttpOnly cookie; null for the web app (requests with X-Requested-With), "
        "which keeps it only in the cookie"
    )
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")
    user: UserOut
