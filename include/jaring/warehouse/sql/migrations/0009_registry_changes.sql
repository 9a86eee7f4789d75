-- The NIKs whose persons night D's registry events replaced or added (an incremental night: every other
-- person of night D is night D-1's, carried over). Linking compares only these persons of the two nights
-- (jaring.linking.link, link_changes.sql); a full pull of night D leaves none.
CREATE TABLE IF NOT EXISTS staging.person_change (
    night date     NOT NULL,
    nik   char(16) NOT NULL,
    PRIMARY KEY (night, nik)
);
