DROP TABLE login_attempts;
DROP TABLE planets;
DROP TABLE personal_access_tokens;
DROP TABLE users;
