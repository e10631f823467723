"""One test per gap of `cloudtrail`."""

from conftest import unique


def test_trail_default_event_selectors(aws):
    bucket = unique("trail-bucket")
    aws("s3").create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    cloudtrail = aws("cloudtrail")
    name = unique("account")
    cloudtrail.create_trail(Name=name, S3BucketName=bucket, IsMultiRegionTrail=True)
    selectors = cloudtrail.get_event_selectors(TrailName=name)["EventSelectors"]
    assert selectors == [{"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": []}]
    cloudtrail.put_event_selectors(TrailName=name, EventSelectors=[{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}])
    assert cloudtrail.get_event_selectors(TrailName=name)["EventSelectors"][0]["ReadWriteType"] == "ReadOnly"
