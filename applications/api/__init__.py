"""REST API v1 of the applications app: public calls, the user's own proposals and their
resource requests. Serializers shape data; every write goes through applications.services and
every permission question through the rules in applications.rules, as the pages do."""
