"""A toy weather integration: typed input and output, the request context, an error."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from gestalt.integration import InvalidArgumentError, Plugin, Request

plugin = Plugin("weather")
settings: dict[str, Any] = {}


class ForecastIn(BaseModel):
    city: str = Field(description="City name")
    days: int = Field(3, ge=1, le=10, description="Number of days")


class ForecastOut(BaseModel):
    city: str
    unit: str
    summary: list[str]


@plugin.configure
def configure(name: str, config: dict[str, Any]) -> None:
    settings.update(config)


@plugin.operation(method="GET", title="Forecast", read_only=True, tags=["weather"])
async def forecast(params: ForecastIn, request: Request) -> ForecastOut:
    """Forecast for a city, in the connection's unit (C unless it says otherwise)."""
    if params.city.strip() == "":
        raise InvalidArgumentError("city must not be blank")
    unit = request.connection_param("unit") or settings.get("unit", "C")
    return ForecastOut(city=params.city, unit=unit, summary=["sunny"] * params.days)


@plugin.operation(id="whoami", method="GET", read_only=True)
def whoami(request: Request) -> dict[str, str | None]:
    """Who the host says is calling."""
    subject = request.subject
    return {
        "id": subject.id if subject else None,
        "role": request.access.role if request.access else None,
    }
