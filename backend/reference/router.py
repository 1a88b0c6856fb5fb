from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from backend.errors import NotFound, problems
from backend.reference.postcodes import PROVINCES, lookup_postcode

router = APIRouter(prefix="/reference", tags=["reference"])


class MunicipalityName(BaseModel):
    nl: str
    fr: str


class PlaceRead(BaseModel):
    name: str = Field(description="The name shown (Dutch where the place has two)")
    names: list[str] = Field(description="Every spelling accepted as the city (Dutch, French)")
    municipality: str = Field(description="The municipality it lies in (Dutch name)")


class ProvinceName(BaseModel):
    nl: str
    en: str


class PostcodeRead(BaseModel):
    code: str
    municipalities: list[MunicipalityName]
    places: list[PlaceRead] = Field(
        description="The cities an address with this postcode may name: its municipalities,"
        " then a part of one (deelgemeente) where the postal data names one. A request's or"
        " an organisation's city must be one of them (else 422 `city_mismatch`)."
    )
    province: str
    province_name: ProvinceName
    latitude: float | None
    longitude: float | None


class ProvinceRead(BaseModel):
    code: str
    name: ProvinceName


@router.get(
    "/postcodes/{code}",
    summary="A Belgian postcode's municipalities, places, province and coordinates",
    responses=problems(NotFound),
)
async def get_postcode(code: Annotated[str, Path(pattern=r"^\d{4}$")]) -> PostcodeRead:
    info = lookup_postcode(code)
    if info is None:
        raise NotFound(f"{code} is not an existing Belgian postcode")
    return PostcodeRead(
        code=info.code,
        municipalities=[MunicipalityName(nl=m.name_nl, fr=m.name_fr) for m in info.municipalities],
        places=[
            PlaceRead(name=p.name, names=list(p.names), municipality=p.municipality)
            for p in info.places
        ],
        province=info.province,
        province_name=ProvinceName(**PROVINCES[info.province]),
        latitude=info.latitude,
        longitude=info.longitude,
    )


@router.get("/provinces", summary="The provinces (ISO 3166-2) with their names")
async def list_provinces() -> list[ProvinceRead]:
    return [
        ProvinceRead(code=code, name=ProvinceName(**names)) for code, names in PROVINCES.items()
    ]
