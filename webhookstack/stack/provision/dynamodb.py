"""The table: key schema, GSIs and TTL from the description."""

from __future__ import annotations

from botocore.exceptions import ClientError

from webhookstack.stack.polling import wait_until
from webhookstack.stack.provision.base import Steps, error_code


class TableSteps(Steps):
    def ensure_table(self) -> None:
        """The table, its GSIs and TTL as described. A missing GSI is created, one with other keys
        is replaced, one the description does not name is deleted (DynamoDB takes one index change
        per UpdateTable, and each must finish before the next)."""
        t = self.stack.table

        def gsi(spec) -> dict:
            return {
                "IndexName": spec.name,
                "KeySchema": [
                    {"AttributeName": spec.hash_key, "KeyType": "HASH"},
                    {"AttributeName": spec.range_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }

        def matches(description: dict, spec) -> bool:
            keys = {k["KeyType"]: k["AttributeName"] for k in description.get("KeySchema") or []}
            projection = (description.get("Projection") or {}).get("ProjectionType")
            return keys == {"HASH": spec.hash_key, "RANGE": spec.range_key} and projection == "ALL"

        def definitions(*keys: str) -> list[dict]:
            return [{"AttributeName": k, "AttributeType": "S"} for k in dict.fromkeys(keys)]

        def indexes() -> dict[str, dict]:
            table = self.ddb.describe_table(TableName=t.name)["Table"]
            return {g["IndexName"]: g for g in table.get("GlobalSecondaryIndexes") or []}

        def wait_active() -> None:
            def active():
                table = self.ddb.describe_table(TableName=t.name)["Table"]
                return table["TableStatus"] == "ACTIVE" and all(
                    g.get("IndexStatus", "ACTIVE") == "ACTIVE" for g in table.get("GlobalSecondaryIndexes") or []
                )

            wait_until(active, f"table {t.name} and its indexes to become ACTIVE", timeout=600)

        try:
            self.ddb.describe_table(TableName=t.name)
        except ClientError as e:
            if error_code(e) != "ResourceNotFoundException":
                raise
            extra = {"GlobalSecondaryIndexes": [gsi(i) for i in t.indexes]} if t.indexes else {}
            self.ddb.create_table(
                TableName=t.name,
                BillingMode="PAY_PER_REQUEST",
                KeySchema=[
                    {"AttributeName": t.hash_key, "KeyType": "HASH"},
                    {"AttributeName": t.range_key, "KeyType": "RANGE"},
                ],
                AttributeDefinitions=definitions(
                    t.hash_key, t.range_key, *(k for i in t.indexes for k in (i.hash_key, i.range_key))
                ),
                **extra,
            )
            self._changed(f"table {t.name}", "created", ", ".join(i.name for i in t.indexes))
        wait_active()

        wanted = {i.name: i for i in t.indexes}
        current = indexes()
        for name, description in list(current.items()):
            spec = wanted.get(name)
            if spec is not None and matches(description, spec):
                continue
            self.ddb.update_table(TableName=t.name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": name}}])
            self._changed(f"table {t.name} index {name}", "deleted", "keys differ" if spec else "not in the description")
            wait_until(lambda: name not in indexes(), f"index {name} to be deleted", timeout=600)
            del current[name]
        for name, spec in wanted.items():
            if name in current:
                continue
            self.ddb.update_table(
                TableName=t.name,
                AttributeDefinitions=definitions(spec.hash_key, spec.range_key),
                GlobalSecondaryIndexUpdates=[{"Create": gsi(spec)}],
            )
            self._changed(f"table {t.name} index {name}", "created", f"{spec.hash_key} / {spec.range_key}")
            wait_active()

        ttl = self.ddb.describe_time_to_live(TableName=t.name)["TimeToLiveDescription"]
        if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING") or ttl.get("AttributeName") != t.ttl_attribute:
            self.ddb.update_time_to_live(
                TableName=t.name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": t.ttl_attribute},
            )
            self._changed(f"table {t.name} TTL", "updated", t.ttl_attribute)
