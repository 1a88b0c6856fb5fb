from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel

from backend.errors import NotFound, problems
from backend.reference.postcodes import PROVINCES, lookup_postcode

router = APIRouter(prefix="/reference", tags=["reference"])


class MunicipalityName(BaseModel):
    nl: str
    fr: str


class ProvinceName(BaseModel):
    nl: str
    en: str


class PostcodeRead(BaseModel):
    code: str
    municipalities: list[MunicipalityName]
    province: str
    province_name: ProvinceName
    latitude: float | None
    longitude: float | None


class ProvinceRead(BaseModel):
    code: str
    name: ProvinceName


@router.get(
    "/postcodes/{code}",
    summary="A Belgian postcode's municipalities, province and coordinates",
    responses=problems(NotFound),
)
async def get_postcode(code: Annotated[str, Path(pattern=r"^\d{4}$")]) -> PostcodeRead:
    info = lookup_postcode(code)
    if info is None:
        raise NotFound(f"{code} is not an existing Belgian postcode")
    return PostcodeRead(
        code=info.code,
        municipalities=[MunicipalityName(nl=m.name_nl, fr=m.name_fr) for m in info.municipalities],
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
