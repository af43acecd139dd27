"""FollowTheMoney interchange: sanctio entities as FtM JSON lines.

The output follows what OpenSanctions' tools (nomenklatura, yente, ``ftm``) read: one
object per line with ``id``, ``schema``, ``properties`` (lists of strings), ``datasets``
and ``target``. Each listing also gets a ``Sanction`` entity (program, listing date,
authority), and each resolved "Linked To" an ``UnknownLink``, as OpenSanctions does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from followthemoney import model as ftm_model

from sanctio.model import Entity, NameKind

AUTHORITIES = {
    "us_ofac_sdn": "Office of Foreign Assets Control",
    "us_ofac_cons": "Office of Foreign Assets Control",
    "un_sc_sanctions": "United Nations Security Council",
    "gb_fcdo_sanctions": "Foreign, Commonwealth & Development Office",
    "gb_hmt_sanctions": "HM Treasury, Office of Financial Sanctions Implementation",
    "eu_fsf": "European Commission",
    "ca_dfatd_sema_sanctions": "Global Affairs Canada",
    "au_dfat_sanctions": "Department of Foreign Affairs and Trade",
}

_RE_FTM_UNSAFE = re.compile(r"[^0-9a-zA-Z.-]+")

_NAME_PROPS = {
    NameKind.PRIMARY: "name",
    NameKind.ALIAS: "alias",
    NameKind.ORIGINAL_SCRIPT: "alias",
    NameKind.WEAK_ALIAS: "weakAlias",
    NameKind.FORMER: "previousName",
}
_ID_PROPS = {
    "passport": "passportNumber",
    "tax_id": "taxNumber",
    "registration": "registrationNumber",
    "lei": "leiCode",
    "swift_bic": "swiftBic",
    "imo": "imoNumber",
    "mmsi": "mmsi",
    "ssn": "socialSecurityNumber",
}


def ftm_id(entity_id: str) -> str:
    """FtM ids allow only ``[0-9a-zA-Z.-]``: ``us_ofac_sdn:28036`` → ``us-ofac-sdn-28036``.

    The sanctio id stays available in each exported object's ``sanctio_id`` key.
    """
    return _RE_FTM_UNSAFE.sub("-", entity_id).strip("-.")


def to_ftm(entity: Entity) -> Iterator[dict[str, Any]]:
    """The FtM entities describing one listing: the target, its Sanction, its links."""
    eid = ftm_id(entity.id)
    proxy = ftm_model.make_entity(entity.schema)
    proxy.id = eid
    for name in entity.names:
        proxy.add(_NAME_PROPS[name.kind], name.full, quiet=True)
        if name.kind == NameKind.PRIMARY:
            proxy.add("firstName", name.first, quiet=True)
            proxy.add("middleName", name.middle, quiet=True)
            proxy.add("lastName", name.last, quiet=True)
            proxy.add("fatherName", name.father, quiet=True)
            proxy.add("title", name.title, quiet=True)
    proxy.add("birthDate", entity.birth_dates, quiet=True)
    proxy.add("birthPlace", entity.birth_places, quiet=True)
    proxy.add("nationality", entity.nationalities, quiet=True)
    proxy.add("citizenship", entity.citizenships, quiet=True)
    proxy.add("country", entity.countries, quiet=True)
    proxy.add("gender", entity.gender, quiet=True)
    for ident in entity.identifiers:
        prop = _ID_PROPS.get(ident.type, "idNumber")
        if not proxy.schema.get(prop):
            prop = "registrationNumber" if proxy.schema.get("registrationNumber") else "idNumber"
        proxy.add(prop, ident.number, quiet=True)
    proxy.add("address", [a.full for a in entity.addresses], quiet=True)
    proxy.add("notes", entity.remarks, quiet=True)
    proxy.add("program", entity.programs, quiet=True)
    proxy.add("sourceUrl", entity.source_url, quiet=True)
    proxy.add("topics", "sanction", quiet=True)
    for prop, values in entity.properties.items():
        proxy.add(prop, values, quiet=True)
    yield _with_meta(proxy.to_dict(), entity, target=True)

    sanction = ftm_model.make_entity("Sanction")
    sanction.id = f"{eid}-sanction"
    sanction.add("entity", eid)
    sanction.add("authority", AUTHORITIES.get(entity.dataset, entity.dataset))
    sanction.add("program", entity.programs, quiet=True)
    sanction.add("listingDate", entity.listed_on, quiet=True)
    sanction.add("sourceUrl", entity.source_url, quiet=True)
    yield _with_meta(sanction.to_dict(), entity, target=False)

    for i, rel in enumerate(entity.relations):
        if rel.target_id is None:
            continue
        link = ftm_model.make_entity("UnknownLink")
        link.id = f"{eid}-link-{i}"
        link.add("subject", eid)
        link.add("object", ftm_id(rel.target_id))
        link.add("role", rel.kind.replace("_", " "))
        yield _with_meta(link.to_dict(), entity, target=False)


def _with_meta(data: dict[str, Any], entity: Entity, *, target: bool) -> dict[str, Any]:
    data["datasets"] = [entity.dataset]
    data["target"] = target
    data["sanctio_id"] = entity.id
    return data
