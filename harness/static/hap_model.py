"""module.json and pack.info as typed models: what the precheck reads of them, type-checked, so a value of the
wrong type is a PackageError naming the field instead of an AttributeError later. Keys the precheck does not
read are ignored (newer SDKs add many); the names it hands to `hdc` are checked in harness/static/names.py."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

Text = Annotated[StrictStr, Field(max_length=1024)]
Items = Annotated[list[Text], Field(max_length=1000)]


class _Read(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class AppInfo(_Read):
    bundleName: Text = ""
    label: Text = ""
    versionName: Text = ""
    versionCode: StrictInt | None = None
    minAPIVersion: StrictInt | None = None
    targetAPIVersion: StrictInt | None = None


class Ability(_Read):
    name: Text
    backgroundModes: Items = Field(default_factory=list)


class RequestedPermission(_Read):
    name: Text


class ModuleInfo(_Read):
    name: Text = ""
    type: Text = ""
    mainElement: Text | None = None
    deviceTypes: Items = Field(default_factory=list)
    abilities: Annotated[list[Ability], Field(max_length=1000)] = Field(default_factory=list)
    requestPermissions: Annotated[list[RequestedPermission], Field(max_length=1000)] = Field(default_factory=list)


class ModuleJson(_Read):
    app: AppInfo = Field(default_factory=AppInfo)
    module: ModuleInfo = Field(default_factory=ModuleInfo)


class ApiVersion(_Read):
    compatible: StrictInt | None = None
    target: StrictInt | None = None


class Distro(_Read):
    moduleName: Text = ""
    moduleType: Text = ""


class PackModule(_Read):
    distro: Distro = Field(default_factory=Distro)
    apiVersion: ApiVersion | None = None
    mainAbility: Text | None = None


class PackApp(_Read):
    bundleName: Text = ""


class PackSummary(_Read):
    app: PackApp = Field(default_factory=PackApp)
    modules: Annotated[list[PackModule], Field(max_length=1000)] = Field(default_factory=list)


class PackInfo(_Read):
    summary: PackSummary = Field(default_factory=PackSummary)
